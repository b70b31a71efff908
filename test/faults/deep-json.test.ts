import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { request } from '../helpers/http.js';
import { jsonAnswer, startRawWorker } from '../helpers/raw-worker.js';
import { startTestProxy } from '../helpers/stack.js';

describe('a JSON body nested a million levels deep', async () => {
  const collector = await startTestCollector();
  const worker = await startRawWorker((socket) => socket.write(jsonAnswer({ text: 'ok', meta_info: { prompt_tokens: 3, completion_tokens: 1 } })));
  const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: collector.url });

  it('reaches the worker byte for byte with the rid spliced in, and is recorded', async () => {
    const body = `{"text":"x","extra":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    const response = await request(`${proxy.url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'deep-1' }, body });
    expect(response.status).toBe(200);
    const received = worker.requests.find((each) => each.head.startsWith('POST '));
    expect(received?.body.toString()).toBe(`{"rid":"deep-1",${body.slice(1)}`);
    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?request_id=deep-1`)).json()) as unknown[];
    expect(traces).toEqual([expect.objectContaining({ request_id: 'deep-1', status: 'completed', http_status: 200, prompt_tokens: 3 })]);
  });
});
