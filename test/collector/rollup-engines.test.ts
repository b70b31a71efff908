import { describe, expect, it } from 'vitest';
import type { RoutingRecordInput } from '#shared/record.js';
import { POSTGRES_ADMIN_URL, queryDatabase, startTestCollector } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { seededRandom } from '../helpers/seeded-random.js';

type Collector = Awaited<ReturnType<typeof startTestCollector>>;

function record(random: () => number, i: number, nowMs: number): RoutingRecordInput {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  return {
    record_id: `eq-${i}`,
    request_id: `req-eq-${i}`,
    node_id: pick(['w0', 'w1', 'w2']),
    worker_url: 'http://10.0.0.1:30001',
    routing_policy: pick(['cache_aware', 'round_robin']),
    status: pick(['completed', 'completed', 'failed'] as const),
    // Five minutes of buckets, so later batches add to rows earlier ones made.
    timestamp: nowMs - Math.floor(random() * 300_000),
    duration_ms: random() < 0.1 ? null : random() * 4000,
    ttft_ms: random() < 0.3 ? null : random() * 200,
    prompt_tokens: 100,
    cached_tokens: Math.floor(random() * 100),
    cache_hit: random() < 0.5,
    decision: pick(['tree_match', 'min_load']),
  };
}

/** Every rollup row, histograms as hex, in one order both engines produce. */
async function rollupRows(collector: Collector, table: 'rollups' | 'rollup_totals'): Promise<unknown[]> {
  const rows = await queryDatabase(collector, `SELECT * FROM ${table}`);
  return rows
    .map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value])))
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

// Both engines side by side (not parameterised: the point is comparing them).
describe.skipIf(POSTGRES_ADMIN_URL === '')('rollups in both engines', () => {
  it('are byte-identical rows (sums and histograms) after the same batches, merges of existing rows and a TTL sweep included', async () => {
    const sqlite = await startTestCollector({ traceTtlSeconds: 3600 }, 'sqlite');
    const postgres = await startTestCollector({ traceTtlSeconds: 3600 }, 'postgres');
    const random = seededRandom(11);
    const nowMs = Date.now();
    const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 40 }, (_, k) => record(random, b * 40 + k, nowMs)));
    for (const batch of batches) {
      for (const collector of [sqlite, postgres]) expect((await postJson(`${collector.url}/v1/traces`, batch)).status).toBe(200);
    }
    // A TTL cutoff 150 s into the data: bounded deletes subtract from both tables.
    for (const collector of [sqlite, postgres]) await collector.store.retention.sweep(nowMs - 150_000 + 3_600_000);
    for (const table of ['rollups', 'rollup_totals'] as const) {
      const expected = await rollupRows(sqlite, table);
      expect(expected.length).toBeGreaterThan(0);
      expect(await rollupRows(postgres, table)).toEqual(expected);
    }
  });
});
