import { describe, expect, it } from 'vitest';
import type { Timeseries } from '#shared/api-types.js';
import type { RoutingRecordInput } from '#shared/record.js';
import { SqliteSqlRunner } from '../../collector/reads/sql-runner.js';
import { TimeseriesCache } from '../../collector/reads/timeseries-cache.js';
import { computeTimeseries, type TimeseriesOptions } from '../../collector/reads/timeseries-query.js';
import { openReadOnly } from '../../collector/store/database.js';
import { startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { seededRandom } from '../helpers/seeded-random.js';

const TTL_SECONDS = 3600;
const CAP = 400;

/** Most records routed in the last 3 minutes (the buckets a live cluster changes), some up to 2 h late. */
function randomRecord(random: () => number, id: string, nowMs: number): RoutingRecordInput {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const maybe = <T>(value: T): T | null => (random() < 0.2 ? null : value);
  const late = random() < 0.15;
  return {
    record_id: id,
    request_id: `req-${id}`,
    node_id: pick(['w0', 'w1', 'w2', 'w3']),
    worker_url: 'http://10.0.0.1:30001',
    routing_policy: pick(['cache_aware', 'round_robin']),
    status: pick(['completed', 'completed', 'failed', 'timeout'] as const),
    timestamp: nowMs - Math.floor(random() * (late ? 2 * TTL_SECONDS * 1000 : 180_000)),
    duration_ms: maybe(random() * 5000),
    ttft_ms: maybe(random() * 300),
    prompt_tokens: 1000,
    cached_tokens: maybe(Math.floor(random() * 1000)),
    cache_hit: maybe(random() < 0.5),
    queue_size: maybe(Math.floor(random() * 9)),
    prefix_match_rate: maybe(Math.round(random() * 1000) / 1000),
    attempts: maybe(random() < 0.1 ? 2 : 1),
    decision: maybe(pick(['tree_match', 'min_load'])),
  };
}

// SQLite only: the cache needs the bucket versions SQLite's rollup writer keeps (migration 006).
describe('time-series cache [sqlite only]', () => {
  for (const seed of [1, 2, 3]) {
    it(`series served from the per-bucket cache equal series read from the rollup rows after random batches, TTL sweeps and cap trims (seed ${seed})`, async () => {
      const collector = await startTestCollector({ maxTraceEntries: CAP, traceTtlSeconds: TTL_SECONDS, retentionBatchSize: 37 });
      await collector.retention.stop();
      const db = openReadOnly(collector.store.location);
      const sql = new SqliteSqlRunner(db);
      const cache = new TimeseriesCache();
      const random = seededRandom(seed);
      const nowMs = Date.now();
      const shapes: TimeseriesOptions[] = [
        { windowSeconds: 7200, stepSeconds: 60, nowMs, nodeLimit: 50 },
        { windowSeconds: 1800, stepSeconds: 60, nowMs, nodeLimit: 2 },
        { windowSeconds: 3600, stepSeconds: 60, nowMs, nodeId: 'w1', nodeLimit: 50 },
      ];
      let sent = 0;
      let clock = nowMs;
      let calls = 0;
      try {
        for (let step = 0; step < 25; step++) {
          const batch = Array.from({ length: 1 + Math.floor(random() * 60) }, () => randomRecord(random, `c${seed}-${sent++}`, nowMs));
          expect((await postJson(`${collector.url}/v1/traces`, batch)).status).toBe(200);
          if (step % 3 === 2) {
            clock += Math.floor(random() * 600_000);
            await collector.store.retention.sweep(clock);
          }
          for (const options of shapes) {
            expect(await computeTimeseries(sql, options, cache)).toEqual(await computeTimeseries(sql, options));
            calls += 1;
          }
        }
        // The cache served most buckets: a window holds up to 120 of them per call.
        expect(cache.bucketsRead).toBeLessThan(calls * 10);
      } finally {
        db.close();
      }
    });
  }

  it('shows a record added to a bucket the previous call already read', async () => {
    const collector = await startTestCollector();
    const now = Date.now();
    const series = async (): Promise<number> => {
      const body = (await request(`${collector.url}/v1/traces/timeseries?window=600&step=60`)).json as Timeseries;
      return (body.nodes['worker-0']?.requests ?? []).reduce((sum, count) => sum + count, 0);
    };
    await postJson(`${collector.url}/v1/traces`, [makeRecord({ node_id: 'worker-0', timestamp: now - 1000 })]);
    expect(await series()).toBe(1);
    await postJson(`${collector.url}/v1/traces`, [makeRecord({ node_id: 'worker-0', timestamp: now - 1000 })]);
    expect(await series()).toBe(2);
  });
});
