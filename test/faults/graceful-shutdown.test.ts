import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { jsonEvents, postSse } from '../helpers/sse.js';
import { spawnBinary } from '../helpers/processes.js';
import { startTestCollector } from '../helpers/collector.js';
import { startWorkers, waitFor } from '../helpers/stack.js';

const refuses = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('SIGTERM on the proxy', async () => {
  const collector = await startTestCollector();
  const [worker] = await startWorkers(1, { decodeTokensPerSec: 40 });

  it('stops accepting, lets in-flight streams finish, flushes every record, and exits 0', async () => {
    const proxy = await spawnBinary('proxy', ['--port', '0', '--worker-urls', String(worker?.url), '--collector-url', collector.url, '--shutdown-grace-secs', '10']);
    const streams = Array.from({ length: 5 }, (_, i) =>
      postSse(`${proxy.url}/generate`, { text: `story ${i}`, sampling_params: { max_new_tokens: 20 }, stream: true }, { 'x-request-id': `graceful-${i}` }),
    );
    await waitFor(() => (worker?.stats().running ?? 0) === 5, 2000, 'five streams in flight');
    proxy.child.kill('SIGTERM');
    await waitFor(() => refuses(proxy.url), 2000, 'the listener to close');

    const results = await Promise.all(streams);
    for (const result of results) {
      expect(result.truncated).toBe(false);
      expect(result.events.at(-1)).toBe('[DONE]');
      expect((jsonEvents(result).at(-1) as { meta_info: { completion_tokens: number } }).meta_info.completion_tokens).toBe(20);
    }
    expect(await proxy.exited).toBe(0);
    const ids = ((await (await fetch(`${collector.url}/v1/traces?limit=100`)).json()) as Array<{ request_id: string; status: string }>).map((t) => `${t.request_id}:${t.status}`);
    expect(ids.sort()).toEqual(Array.from({ length: 5 }, (_, i) => `graceful-${i}:completed`));
  });
});
