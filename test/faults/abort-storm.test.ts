import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SOAK } from '../helpers/processes.js';
import { startStack, waitFor } from '../helpers/stack.js';

function abortAfterFirstChunk(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.end(JSON.stringify({ text: 'abort me', sampling_params: { max_new_tokens: 1000 }, stream: true }));
  });
}

describe('clients aborting mid-stream, in bulk', async () => {
  const rounds = SOAK ? 10 : 3;
  const perRound = SOAK ? 2000 : 500;
  const stack = await startStack({ workers: 2, sim: { decodeTokensPerSec: 200 } });

  it('closes every upstream, returns the sockets to baseline, and keeps memory flat', async () => {
    const baseline = await stack.proxy.sockets();
    const heap: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i += 25) await Promise.all(Array.from({ length: 25 }, () => abortAfterFirstChunk(stack.proxy.url)));
      await waitFor(() => stack.workers.every((worker) => worker.stats().running === 0), 5000, 'every upstream closed');
      global.gc?.();
      heap.push(process.memoryUsage().heapUsed);
    }
    const aborts = stack.workers.reduce((sum, worker) => sum + worker.stats().clientAborts, 0);
    expect(aborts).toBe(rounds * perRound);
    expect(stack.proxy.workers.map((worker) => worker.inFlight)).toEqual([0, 0]);
    await waitFor(async () => (await stack.proxy.sockets()).clientConnections === baseline.clientConnections, 3000, 'client sockets back to baseline');
    const after = await stack.proxy.sockets();
    expect(after.upstreamActive).toBe(0);
    // Idle keep-alive sockets are bounded by the concurrency used, not by the number of requests.
    expect(after.upstreamIdle).toBeLessThanOrEqual(25);
    await stack.proxy.exporter?.forceFlush();
    const stats = (await (await fetch(`${stack.collector.url}/v1/traces/stats`)).json()) as { requests_per_status: Record<string, number> };
    expect(stats.requests_per_status).toEqual({ cancelled: rounds * perRound });
    // Memory after a forced collection: later rounds cost no more than the first (no per-request leak).
    expect(typeof global.gc).toBe('function');
    const growthMb = ((heap.at(-1) ?? 0) - (heap[0] ?? 0)) / 1024 / 1024;
    process.stdout.write(`abort storm: ${rounds * perRound} aborts; heap after each round (MB): ${heap.map((bytes) => (bytes / 1024 / 1024).toFixed(1)).join(', ')}\n`);
    expect(growthMb).toBeLessThan(5);
  }, SOAK ? 300_000 : 60_000);
});
