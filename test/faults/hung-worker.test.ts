import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';
import { startTestCollector } from '../helpers/collector.js';
import { startTestProxy, startWorkers } from '../helpers/stack.js';

describe('a hung worker beside a healthy one', async () => {
  const collector = await startTestCollector();
  const [hung, healthy] = await startWorkers(2);
  hung?.setFaults({ hang: true });
  const proxy = await startTestProxy({ workerUrls: [`hung=${hung?.url}`, `healthy=${healthy?.url}`], policy: 'round_robin', collectorUrl: collector.url, requestTimeoutSecs: 0.5 });

  it('answers 504 for requests stuck on it, and every request on the healthy one completes before the first 504', async () => {
    let order = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const response = await postJson(`${proxy.url}/generate`, { text: `r${i}`, sampling_params: { max_new_tokens: 1 } }, { 'x-request-id': `hw-${i}` });
        return { node: response.headers['x-sglang-worker-id'], status: response.status, order: order++, code: (response.json as { error?: { code: string } }).error?.code };
      }),
    );
    const toHung = results.filter((result) => result.status === 504);
    const toHealthy = results.filter((result) => result.status === 200);
    expect(toHung).toHaveLength(5);
    expect(toHealthy).toHaveLength(5);
    expect(toHung.every((result) => result.code === 'upstream_timeout')).toBe(true);
    expect(toHealthy.every((result) => result.node === 'healthy')).toBe(true);
    // The hung worker held nobody else up: all healthy answers arrived before any deadline fired.
    expect(Math.max(...toHealthy.map((result) => result.order))).toBeLessThan(Math.min(...toHung.map((result) => result.order)));
    await proxy.exporter?.forceFlush();
    const stats = (await (await fetch(`${collector.url}/v1/traces/stats`)).json()) as { requests_per_status: Record<string, number> };
    expect(stats.requests_per_status).toEqual({ completed: 5, timeout: 5 });
    expect(hung?.stats().clientAborts).toBe(5);
  });
});
