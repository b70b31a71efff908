import { join } from 'node:path';
import { startCollector } from '../../collector/collector.js';
import type { PolicyName } from '../../proxy/policies/policy.js';
import { startProxy } from '../../proxy/proxy.js';
import type { StoredTrace } from '#shared/api-types.js';
import { startSimWorker } from '../../sim/worker.js';
import type { BenchContext, Figure } from '../figure.js';

/** A deterministic shuffle (mulberry32), so every policy sees the same order. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Each worker's prefix cache holds ~400 tokens, about three of the eight ~100-token system
 * prompts: a KV cache under pressure, where routing decides whether prefixes survive.
 */
/** Figure 6: cache hits (the workers' own cached_tokens, from the records) and balance, per policy. */
export async function routingQuality(ctx: BenchContext): Promise<Figure[]> {
  const group = '6. routing quality (4 workers, shared prefixes)';
  const families = Array.from({ length: 8 }, (_, f) => `System prompt of application ${f}: ${'follow the policy and answer with care; '.repeat(12)}`);
  const perFamily = ctx.quick ? 12 : 40;
  const workload = shuffled(families.flatMap((family, f) => Array.from({ length: perFamily }, (_, i) => `${family}User ${f}-${i} asks question number ${i}?`)), 42);
  const figures: Figure[] = [];
  for (const policy of ['cache_aware', 'round_robin', 'random', 'power_of_two'] as PolicyName[]) {
    const workers = await Promise.all(Array.from({ length: 4 }, (_, i) => startSimWorker({ name: `worker-${i}`, cacheCapacityTokens: 400 })));
    const collector = await startCollector({ port: 0, dbPath: join(ctx.workDir, `quality-${policy}.db`) });
    const proxy = await startProxy({ port: 0, workerUrls: workers.map((w) => w.url), collectorUrl: collector.url, policy, loadCheckIntervalSecs: 0 });
    try {
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < workload.length) {
          const text = workload[next++];
          const response = await fetch(`${proxy.url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, sampling_params: { max_new_tokens: 8 } }) });
          await response.text();
        }
      }));
      await proxy.exporter?.forceFlush();
      const traces = (await (await fetch(`${collector.url}/v1/traces?limit=10000`)).json()) as StoredTrace[];
      const cached = traces.reduce((sum, trace) => sum + (trace.cached_tokens ?? 0), 0);
      const prompt = traces.reduce((sum, trace) => sum + (trace.prompt_tokens ?? 0), 0);
      const perWorker = workers.map((_, i) => traces.filter((trace) => trace.node_id === `worker-${i}`).length);
      figures.push(
        { group, name: `${policy}: cache-hit rate (cached / prompt tokens)`, value: cached / prompt, unit: 'ratio' },
        { group, name: `${policy}: balance (max / min requests per worker)`, value: Math.max(...perWorker) / Math.max(1, Math.min(...perWorker)), unit: 'ratio', note: `requests per worker ${perWorker.join('/')}` },
      );
    } finally {
      await proxy.close();
      await collector.close();
      await Promise.all(workers.map((worker) => worker.close()));
    }
  }
  return figures;
}
