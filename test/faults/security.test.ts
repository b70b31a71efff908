import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCollector } from '../../collector/collector.js';
import { startProxy } from '../../proxy/proxy.js';
import { postJson, request } from '../helpers/http.js';
import { startTestCollector } from '../helpers/collector.js';
import { startTestProxy, startWorkers } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';

describe('security defaults', () => {
  it('both servers bind 127.0.0.1 unless told otherwise', async () => {
    const collector = await startCollector({ port: 0, dbPath: join(tempDir(), 'bind.db') });
    const proxy = await startProxy({ port: 0, workerUrls: ['http://127.0.0.1:9'], tracing: false });
    try {
      expect(new URL(collector.url).hostname).toBe('127.0.0.1');
      expect(new URL(proxy.url).hostname).toBe('127.0.0.1');
    } finally {
      await proxy.close();
      await collector.close();
    }
  });

  it('sends the ingest token to the collector only, never to workers', async () => {
    const collector = await startTestCollector({ ingestToken: 'top-secret' });
    const workers = await startWorkers(1);
    const proxy = await startTestProxy({ workerUrls: workers.map((w) => w.url), collectorUrl: collector.url, ingestToken: 'top-secret' });
    await postJson(`${proxy.url}/generate`, { text: 'hi', sampling_params: { max_new_tokens: 1 } });
    await postJson(`${proxy.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }, { authorization: 'Bearer client-key' });
    await proxy.exporter?.forceFlush();
    // The collector accepted the records, so the token reached it.
    expect((await request(`${collector.url}/v1/traces/stats`)).json).toMatchObject({ total_requests: 2 });
    const seen = JSON.stringify(workers[0]?.stats().recent.map((entry) => entry.headers));
    expect(seen).not.toContain('top-secret');
    // The client's own Authorization (an SGLang --api-key) still reaches the worker.
    expect(seen).toContain('Bearer client-key');
  });

  it('a proxy with the wrong token loses nothing silently: the refusal is counted', async () => {
    const collector = await startTestCollector({ ingestToken: 'right' });
    const workers = await startWorkers(1);
    const proxy = await startTestProxy({ workerUrls: workers.map((w) => w.url), collectorUrl: collector.url, ingestToken: 'wrong' });
    expect((await postJson(`${proxy.url}/generate`, { text: 'hi', sampling_params: { max_new_tokens: 1 } })).status).toBe(200);
    await proxy.exporter?.forceFlush();
    expect(proxy.exporter?.counters).toMatchObject({ sent: 0, failed: 1 });
    expect((await request(`${proxy.url}/metrics`)).text).toContain('routetrace_proxy_records_failed_total 1');
  });
});
