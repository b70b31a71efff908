import { describe, expect, it } from 'vitest';
import { startSimWorker } from '../../sim/worker.js';
import { postJson, request } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { startTestProxy, waitFor } from '../helpers/stack.js';

describe('a worker that starts after the proxy', async () => {
  const port = await freePort();
  // A 60 s health interval: only the fast re-probing of unhealthy workers can find it in time.
  const proxy = await startTestProxy({ workerUrls: [`http://127.0.0.1:${port}`], tracing: false, healthCheckIntervalSecs: 60 });

  it('is re-probed with backoff and used without waiting for the next health interval', async () => {
    await proxy.monitor.firstCheck;
    expect(proxy.workers[0]?.healthy).toBe(false);
    const early = await postJson(`${proxy.url}/generate`, { text: 'too early', sampling_params: { max_new_tokens: 1 } });
    expect({ status: early.status, body: early.json }).toEqual({ status: 503, body: { error: { code: 'no_healthy_worker', message: 'none of the 1 workers is healthy' } } });

    const worker = await startSimWorker({ port });
    try {
      await waitFor(() => proxy.workers[0]?.healthy === true, 5000, 'the late worker to be marked healthy');
      const response = await postJson(`${proxy.url}/generate`, { text: 'now', sampling_params: { max_new_tokens: 1 } });
      expect({ status: response.status, node: response.headers['x-sglang-worker-id'] }).toEqual({ status: 200, node: 'worker-0' });
      expect((await request(`${proxy.url}/health`)).status).toBe(200);
    } finally {
      await worker.close();
    }
  });

});
