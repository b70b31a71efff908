import { expect } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import type { RunningCollector } from '../../collector/collector.js';
import { postJson, request } from '../helpers/http.js';
import { SseStream } from './sse-client.js';

export async function ingest(collector: RunningCollector, records: unknown[]): Promise<void> {
  const response = await postJson(`${collector.url}/v1/traces`, records);
  expect(response.status).toBe(200);
}

/** Every stored record matching `query`, oldest first (the stream's order). */
export async function stored(collector: RunningCollector, query = ''): Promise<StoredTrace[]> {
  const body = (await request(`${collector.url}/v1/traces?limit=10000${query}`)).json as StoredTrace[];
  return body.reverse();
}

/** Opens a stream and waits for its opening comment, written once it is registered with the store. */
export async function openLive(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const stream = await SseStream.open(url, headers);
  await stream.until((s) => s.comments.includes('routetrace live tail'), 'the opening comment');
  return stream;
}

/** One sample of the collector's /metrics, by its full name and labels; 0 when absent. */
export async function metric(collector: { url: string }, line: string): Promise<number> {
  const text = (await request(`${collector.url}/metrics`)).text;
  const found = text.split('\n').find((row) => row.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}
