import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../collector/collector.js';
import type { TraceStats } from '#shared/api-types.js';
import { request } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { SOAK } from '../helpers/processes.js';
import { startTestProxy, startWorkers } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function timedPost(url: string, id: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(`${url}/generate`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-request-id': id } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ text: 'steady traffic', sampling_params: { max_new_tokens: 1 } }));
  });
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

describe('collector down under steady traffic', async () => {
  const outageMs = SOAK ? 30_000 : 2_000;
  const queueSize = SOAK ? 2000 : 100;
  const dir = tempDir();
  const port = await freePort();
  const [worker] = await startWorkers(1, { decodeTokensPerSec: 1e9, prefillMsPerToken: 0 });
  const firstCollector = await startCollector({ port, dbPath: join(dir, 'outage.db') });
  const proxy = await startTestProxy({
    workerUrls: [String(worker?.url)], collectorUrl: `http://127.0.0.1:${port}`,
    exporter: { maxQueueSize: queueSize, maxBatchSize: 50, initialBackoffMs: 50, maxBackoffMs: 500 },
  });

  it('changes nothing for clients; produced = delivered + dropped, exactly, and the drops reach the stats', async () => {
    let produced = 0;
    for (let i = 0; i < 300; i++) await timedPost(proxy.url, `warmup-${produced++}`);
    const up: number[] = [];
    for (let i = 0; i < 500; i++) up.push((await timedPost(proxy.url, `up-${produced++}`)).ms);
    await proxy.exporter?.forceFlush();
    await firstCollector.close();

    const down: number[] = [];
    const statuses = new Set<number>();
    const until = Date.now() + outageMs;
    while (Date.now() < until) {
      const { status, ms } = await timedPost(proxy.url, `down-${produced++}`);
      statuses.add(status);
      down.push(ms);
    }
    expect([...statuses]).toEqual([200]);
    // A queue smaller than the outage's traffic: drops happened, and were counted.
    expect(proxy.exporter?.counters.dropped).toBeGreaterThan(0);
    // Loose on purpose (timing targets live in the benchmarks): an exporter that waited on the
    // collector would add whole seconds.
    expect(median(down)).toBeLessThan(median(up) * 3 + 2);
    process.stdout.write(`collector outage: p50 up ${median(up).toFixed(3)} ms (n=${up.length}), down ${median(down).toFixed(3)} ms (n=${down.length})\n`);

    const collector = await startCollector({ port, dbPath: join(dir, 'outage.db') });
    afterAll(() => collector.close());
    await proxy.exporter?.forceFlush(10_000);
    const stats = (await request(`${collector.url}/v1/traces/stats`)).json as TraceStats;
    expect(stats.total_requests + stats.dropped_records).toBe(produced);
    expect(stats.dropped_records).toBe(proxy.exporter?.counters.dropped);
    expect(stats.total_requests).toBe(proxy.exporter?.counters.sent);
  }, SOAK ? 120_000 : 30_000);
});
