import { expect, it } from 'vitest';
import type { NodeStats, TraceStats } from '#shared/api-types.js';
import type { RoutingRecordInput } from '#shared/record.js';
import { binOf, emptyHistogram, percentile } from '../../collector/rollups/histogram.js';
import { BUCKET_MS } from '../../collector/rollups/rollup-delta.js';
import type { TraceRow } from '../../collector/store/schema.js';
import { describeEngines, queryDatabase, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { seededRandom } from '../helpers/seeded-random.js';

const TTL_SECONDS = 3600;
const CAP = 400;

function randomRecord(random: () => number, id: string, nowMs: number): RoutingRecordInput {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const maybe = <T>(value: T): T | null => (random() < 0.2 ? null : value);
  const prompt = maybe(Math.floor(random() * 2000));
  return {
    record_id: id,
    request_id: `req-${id}`,
    node_id: pick(['w0', 'w1', 'w2', 'w3', 'gpu-\u00e9']),
    worker_url: pick(['http://10.0.0.1:30001', 'http://10.0.0.2:30001']),
    routing_policy: pick(['cache_aware', 'round_robin']),
    status: pick(['completed', 'completed', 'completed', 'failed', 'cancelled', 'timeout'] as const),
    // Up to 2 h old, so TTL sweeps cut through buckets.
    timestamp: nowMs - Math.floor(random() * 2 * TTL_SECONDS * 1000),
    duration_ms: maybe(random() * 5000),
    ttft_ms: maybe(random() * 300),
    prompt_tokens: prompt,
    // Sometimes impossible (more cached than prompt): validation clamps it.
    cached_tokens: maybe(Math.floor(random() * 2500)),
    cache_hit: maybe(random() < 0.5),
    queue_size: maybe(Math.floor(random() * 9)),
    prefix_match_rate: maybe(Math.round(random() * 1000) / 1000),
    attempts: maybe(random() < 0.1 ? 2 : 1),
    attribution: maybe(pick(['proxy', 'header', 'router', 'inferred'] as const)),
    decision: maybe(pick(['tree_match', 'min_load', 'imbalance'])),
  };
}

/** /v1/traces/stats recomputed from the raw rows, with the same histogram for percentiles. */
function statsFromRows(rows: TraceRow[]): { nodes: Record<string, Omit<NodeStats, 'worker_url'>>; perStatus: Record<string, number> } {
  const byNode = new Map<string, TraceRow[]>();
  for (const row of rows) byNode.set(row.node_id, [...(byNode.get(row.node_id) ?? []), row]);
  const nodes: Record<string, Omit<NodeStats, 'worker_url'>> = {};
  const perStatus: Record<string, number> = {};
  const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
  for (const [node, list] of byNode) {
    const durations = emptyHistogram();
    for (const row of list) if (row.duration_ms !== null) durations[binOf(row.duration_ms)] = (durations[binOf(row.duration_ms)] ?? 0) + 1;
    const tokens = list.filter((row) => row.prompt_tokens !== null && row.cached_tokens !== null);
    const queued = list.filter((row) => row.queue_size !== null);
    const matched = list.filter((row) => row.prefix_match_rate !== null);
    const matchedTokens = matched.filter((row) => row.prompt_tokens !== null && row.cached_tokens !== null);
    const sum = (values: TraceRow[], pick: (row: TraceRow) => number): number => values.reduce((total, row) => total + pick(row), 0);
    const decisions: Record<string, number> = {};
    for (const row of list) if (row.decision !== null) decisions[row.decision] = (decisions[row.decision] ?? 0) + 1;
    const attribution = { proxy: 0, header: 0, router: 0, inferred: 0 };
    for (const row of list) if (row.attribution !== null) attribution[row.attribution as keyof typeof attribution] += 1;
    for (const row of list) perStatus[row.status] = (perStatus[row.status] ?? 0) + 1;
    nodes[node] = {
      requests: list.length,
      cache_hit_rate: ratio(sum(tokens, (row) => row.cached_tokens ?? 0), sum(tokens, (row) => row.prompt_tokens ?? 0)),
      avg_queue_size: ratio(sum(queued, (row) => row.queue_size ?? 0), queued.length),
      p50_duration_ms: percentile(durations, 0.5),
      p95_duration_ms: percentile(durations, 0.95),
      errors: list.filter((row) => row.status === 'failed' || row.status === 'timeout').length,
      attribution,
      decisions: Object.fromEntries(Object.entries(decisions).sort(([a], [b]) => a.localeCompare(b))),
      decision_quality: {
        records: matched.length,
        predicted_prefix_match_rate: matched.length === 0 ? null : (expect.closeTo(sum(matched, (row) => row.prefix_match_rate ?? 0) / matched.length, 6) as number),
        cache_hit_rate: ratio(sum(matchedTokens, (row) => row.cached_tokens ?? 0), sum(matchedTokens, (row) => row.prompt_tokens ?? 0)),
      },
    };
  }
  return { nodes, perStatus: Object.fromEntries(Object.entries(perStatus).sort(([a], [b]) => a.localeCompare(b))) };
}

describeEngines('rollup exactness', (engine) => {
  for (const seed of [1, 2, 3]) {
    it(`stats from rollups equal stats recomputed from the raw rows after random batches, TTL sweeps and cap trims (seed ${seed})`, async () => {
      const collector = await startTestCollector({ maxTraceEntries: CAP, traceTtlSeconds: TTL_SECONDS, retentionBatchSize: 37 }, engine);
      // The test drives every sweep itself: a scheduled one (ingest past the cap requests one)
      // between reading the rows and reading the stats would make them differ.
      await collector.retention.stop();
      const random = seededRandom(seed);
      const startMs = Date.now();
      let sent = 0;
      let clock = startMs;
      for (let step = 0; step < 25; step++) {
        const size = 1 + Math.floor(random() * 120);
        const batch = Array.from({ length: size }, () => randomRecord(random, `s${seed}-${sent++}`, startMs));
        // Every fifth batch repeats records already stored: duplicates must not count twice.
        if (step % 5 === 4 && sent > 20) batch.push(randomRecord(seededRandom(seed), `s${seed}-0`, startMs));
        const answer = await postJson(`${collector.url}/v1/traces`, batch);
        expect(answer.status).toBe(200);
        if (step % 3 === 2) {
          // Move the sweep's clock forward: a TTL cut through partly expired buckets, then the cap.
          clock += Math.floor(random() * 600_000);
          await collector.store.retention.sweep(clock);
        }

        const rows = (await queryDatabase(collector, 'SELECT * FROM traces')) as unknown as TraceRow[];
        const expected = statsFromRows(rows);
        const stats = (await request(`${collector.url}/v1/traces/stats`)).json as TraceStats;
        expect(stats.active_traces).toBe(rows.length);
        expect((await collector.store.countRows())).toBe(rows.length);
        expect(stats.requests_per_status).toEqual(expected.perStatus);
        const withoutUrls = Object.fromEntries(Object.entries(stats.nodes).map(([node, figures]) => {
          const { worker_url: _url, ...rest } = figures;
          return [node, rest];
        }));
        expect(withoutUrls).toEqual(expected.nodes);

        // The same with a window: only rows from the window's bucket boundary on.
        const windowed = (await request(`${collector.url}/v1/traces/stats?window=1800`)).json as TraceStats & { window: { since: string } };
        const since = Date.parse(windowed.window.since);
        expect(since % BUCKET_MS).toBe(0);
        const recent = statsFromRows(rows.filter((row) => row.timestamp_ms >= since));
        expect(windowed.active_traces).toBe(rows.filter((row) => row.timestamp_ms >= since).length);
        expect(Object.fromEntries(Object.entries(windowed.nodes).map(([node, figures]) => [node, figures.requests]))).toEqual(
          Object.fromEntries(Object.entries(recent.nodes).map(([node, figures]) => [node, figures.requests])),
        );
      }
      // Rollup rows emptied by retention are deleted, not left at zero.
      expect(await queryDatabase(collector, 'SELECT count(*) AS n FROM rollups WHERE requests <= 0')).toEqual([{ n: 0 }]);
      expect(await queryDatabase(collector, 'SELECT sum(requests) AS n FROM rollups')).toEqual([{ n: await collector.store.countRows() }]);
    });
  }
});
