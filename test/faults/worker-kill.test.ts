import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';
import { spawnBinary } from '../helpers/processes.js';
import { postSse } from '../helpers/sse.js';
import { startTestCollector } from '../helpers/collector.js';
import { startTestProxy, startWorkers, waitFor } from '../helpers/stack.js';

describe('a worker process killed mid-stream', async () => {
  const collector = await startTestCollector();
  const victim = await spawnBinary('sim', ['--port', '0', '--name', 'victim', '--decode-tokens-per-sec', '50']);
  const [survivor] = await startWorkers(1);
  const proxy = await startTestProxy({ workerUrls: [`victim=${victim.url}`, `survivor=${survivor?.url}`], policy: 'round_robin', collectorUrl: collector.url, healthCheckIntervalSecs: 0.2 });

  it('ends the client\'s stream with an error event, records failed, and routes later requests to the healthy worker', async () => {
    await proxy.monitor.firstCheck;
    const streaming = postSse(`${proxy.url}/generate`, { text: 'long', sampling_params: { max_new_tokens: 500 }, stream: true }, { 'x-request-id': 'killed-mid-stream' });
    await waitFor(() => proxy.workers[0]?.inFlight === 1, 2000, 'the stream to start on the victim');
    await new Promise((resolve) => setTimeout(resolve, 100));
    victim.child.kill('SIGKILL');
    const result = await streaming;
    const last = JSON.parse(result.events.at(-1) ?? '{}') as { error?: { code: string } };
    expect(last.error?.code).toBe('worker_unreachable');
    expect(result.events.length).toBeGreaterThan(2);

    for (let i = 0; i < 4; i++) {
      const response = await postJson(`${proxy.url}/generate`, { text: `after ${i}`, sampling_params: { max_new_tokens: 1 } });
      expect(response.status).toBe(200);
      expect(response.headers['x-sglang-worker-id']).toBe('survivor');
    }
    await waitFor(() => proxy.workers[0]?.healthy === false, 2000, 'health checks to mark the victim down');
    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?request_id=killed-mid-stream`)).json()) as Array<Record<string, unknown>>;
    expect(traces[0]).toMatchObject({ status: 'failed', node_id: 'victim', stream: true, error: `${victim.url} closed the connection mid-response` });

    // The worker comes back on its port: the next health checks take it back.
    const revived = await spawnBinary('sim', ['--port', new URL(victim.url).port, '--name', 'victim']);
    await waitFor(() => proxy.workers[0]?.healthy === true, 3000, 'the revived worker to be healthy');
    const served = new Set<unknown>();
    for (let i = 0; i < 2; i++) served.add((await postJson(`${proxy.url}/generate`, { text: 'back', sampling_params: { max_new_tokens: 1 } })).headers['x-sglang-worker-id']);
    expect([...served].sort()).toEqual(['survivor', 'victim']);
    revived.child.kill('SIGTERM');
  });
});
