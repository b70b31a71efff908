import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../collector/collector.js';
import { postJson, request } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { startTestProxy, startWorkers, waitFor } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';

const body = { text: 'hello', sampling_params: { max_new_tokens: 1 } };
const dir = tempDir();

describe('collector down', async () => {
  const [worker] = await startWorkers(1);
  const port = await freePort();
  const proxy = await startTestProxy({ workerUrls: [String(worker?.url)], collectorUrl: `http://127.0.0.1:${port}`, exporter: { initialBackoffMs: 20, maxBackoffMs: 100 } });

  it('serves every request, then delivers the records once the collector is up', async () => {
    for (let i = 0; i < 20; i++) {
      const response = await postJson(`${proxy.url}/generate`, body, { 'x-request-id': `offline-${i}` });
      expect(response.status).toBe(200);
    }
    await waitFor(() => (proxy.exporter?.counters.retries ?? 0) > 0, 2000, 'a failed export');
    expect(proxy.exporter?.counters.sent).toBe(0);

    const collector = await startCollector({ port, dbPath: join(dir, 'late.db') });
    afterAll(() => collector.close());
    await waitFor(async () => ((await request(`${collector.url}/v1/traces/stats`)).json as { total_requests: number }).total_requests === 20, 5000, 'all records delivered');
    const ids = ((await request(`${collector.url}/v1/traces?limit=100`)).json as Array<{ request_id: string }>).map((trace) => trace.request_id);
    expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `offline-${i}`).sort());
    expect(proxy.exporter?.counters).toMatchObject({ sent: 20, dropped: 0, failed: 0 });
  });
});

describe('exporter queue overflow', async () => {
  const [worker] = await startWorkers(1);
  const port = await freePort();
  const proxy = await startTestProxy({
    workerUrls: [String(worker?.url)],
    collectorUrl: `http://127.0.0.1:${port}`,
    exporter: { maxQueueSize: 5, initialBackoffMs: 20, maxBackoffMs: 50 },
  });

  it('drops the oldest records when full, counts them exactly, and reports the count to the collector', async () => {
    for (let i = 0; i < 12; i++) expect((await postJson(`${proxy.url}/generate`, body, { 'x-request-id': `q-${i}` })).status).toBe(200);
    // A batch being sent is outside the queue until it fails and is put back (dropping what no
    // longer fits), so the count settles at 12 produced - 5 held, and stays there.
    await waitFor(() => proxy.exporter?.counters.dropped === 7 && proxy.exporter.queueLength === 5, 3000, 'the drop count to settle at 7');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(proxy.exporter?.counters.dropped).toBe(7);
    expect((await request(`${proxy.url}/metrics`)).text).toContain('routetrace_proxy_records_dropped_total 7');

    const collector = await startCollector({ port, dbPath: join(dir, 'overflow.db') });
    afterAll(() => collector.close());
    await proxy.exporter?.forceFlush();
    const stats = (await request(`${collector.url}/v1/traces/stats`)).json as { total_requests: number; dropped_records: number };
    expect({ total: stats.total_requests, dropped: stats.dropped_records }).toEqual({ total: 5, dropped: 7 });
    // produced = delivered + dropped; the newest five survived.
    const ids = ((await request(`${collector.url}/v1/traces`)).json as Array<{ request_id: string }>).map((trace) => trace.request_id);
    expect(ids.sort()).toEqual(['q-10', 'q-11', 'q-7', 'q-8', 'q-9']);
  });
});
