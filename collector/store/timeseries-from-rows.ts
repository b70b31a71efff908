import type { Kysely } from 'kysely';
import { toIso } from '#shared/time.js';
import type { StoreSchema } from './schema.js';

/**
 * STAND-IN for the collector's rollup-based time series (issue 17 builds on it; the rollup
 * version replaces this file at merge). Computed from raw rows: correct, but it reads every row
 * in the window, so it is for development and tests, not for a million records.
 */

export interface TimeseriesQuery {
  windowSeconds: number;
  stepSeconds: number;
  nowMs: number;
  nodeId?: string;
  routingPolicy?: string;
}

type Series = number[];
type NullableSeries = Array<number | null>;

export interface NodeTimeseries {
  requests: Series; completed: Series; failed: Series; cancelled: Series; timeout: Series; errors: Series; retries: Series;
  cache_hit_rate: NullableSeries; prefix_match_rate: NullableSeries; avg_queue_size: NullableSeries;
  p50_duration_ms: NullableSeries; p95_duration_ms: NullableSeries; p50_ttft_ms: NullableSeries; p95_ttft_ms: NullableSeries;
  p50_duration_ms_hit: NullableSeries; p50_duration_ms_miss: NullableSeries; p95_duration_ms_hit: NullableSeries; p95_duration_ms_miss: NullableSeries;
  p50_ttft_ms_hit: NullableSeries; p50_ttft_ms_miss: NullableSeries; p95_ttft_ms_hit: NullableSeries; p95_ttft_ms_miss: NullableSeries;
  decisions: Record<string, Series>;
}

export interface Timeseries {
  window: number;
  step: number;
  from: string;
  to: string;
  /** Bucket starts, epoch seconds. */
  timestamps: number[];
  nodes: Record<string, NodeTimeseries>;
}

/** Per node and bucket: the raw values the figures are computed from. */
interface Bucket {
  requests: number; completed: number; failed: number; cancelled: number; timeout: number; retries: number;
  cached: number; prompted: number; prefixSum: number; prefixCount: number; queueSum: number; queueCount: number;
  durations: number[]; ttfts: number[]; durationsHit: number[]; durationsMiss: number[]; ttftsHit: number[]; ttftsMiss: number[];
  decisions: Map<string, number>;
}

function emptyBucket(): Bucket {
  return {
    requests: 0, completed: 0, failed: 0, cancelled: 0, timeout: 0, retries: 0, cached: 0, prompted: 0, prefixSum: 0, prefixCount: 0,
    queueSum: 0, queueCount: 0, durations: [], ttfts: [], durationsHit: [], durationsMiss: [], ttftsHit: [], ttftsMiss: [], decisions: new Map(),
  };
}

/** Nearest rank, as /v1/traces/stats: the value at rank ceil(p × n) in ascending order. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
}

export async function timeseriesFromRows(db: Kysely<StoreSchema>, query: TimeseriesQuery): Promise<Timeseries> {
  const step = query.stepSeconds;
  const count = Math.ceil(query.windowSeconds / step);
  const lastStart = Math.floor(query.nowMs / 1000 / step) * step;
  const firstStart = lastStart - (count - 1) * step;
  const timestamps = Array.from({ length: count }, (_, i) => firstStart + i * step);

  let select = db
    .selectFrom('traces')
    .select(['timestamp_ms', 'node_id', 'status', 'duration_ms', 'ttft_ms', 'cached_tokens', 'prompt_tokens', 'cache_hit', 'prefix_match_rate', 'queue_size', 'attempts', 'decision'])
    .where('timestamp_ms', '>=', firstStart * 1000)
    .where('timestamp_ms', '<', (lastStart + step) * 1000);
  if (query.nodeId !== undefined) select = select.where('node_id', '=', query.nodeId);
  if (query.routingPolicy !== undefined) select = select.where('routing_policy', '=', query.routingPolicy);

  const buckets = new Map<string, Bucket[]>();
  for (const row of await select.execute()) {
    const index = Math.floor((row.timestamp_ms / 1000 - firstStart) / step);
    let perNode = buckets.get(row.node_id);
    if (perNode === undefined) {
      perNode = Array.from({ length: count }, emptyBucket);
      buckets.set(row.node_id, perNode);
    }
    const bucket = perNode[index];
    if (bucket === undefined) continue;
    bucket.requests += 1;
    if (row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled' || row.status === 'timeout') bucket[row.status] += 1;
    // Retries: attempts beyond the first.
    if (row.attempts !== null && row.attempts > 1) bucket.retries += row.attempts - 1;
    // Token-weighted hit rate over records reporting both counts, as /v1/traces/stats.
    if (row.cached_tokens !== null && row.prompt_tokens !== null) {
      bucket.cached += row.cached_tokens;
      bucket.prompted += row.prompt_tokens;
    }
    if (row.prefix_match_rate !== null) { bucket.prefixSum += row.prefix_match_rate; bucket.prefixCount += 1; }
    if (row.queue_size !== null) { bucket.queueSum += row.queue_size; bucket.queueCount += 1; }
    if (row.duration_ms !== null) {
      bucket.durations.push(row.duration_ms);
      if (row.cache_hit === 1) bucket.durationsHit.push(row.duration_ms);
      if (row.cache_hit === 0) bucket.durationsMiss.push(row.duration_ms);
    }
    if (row.ttft_ms !== null) {
      bucket.ttfts.push(row.ttft_ms);
      if (row.cache_hit === 1) bucket.ttftsHit.push(row.ttft_ms);
      if (row.cache_hit === 0) bucket.ttftsMiss.push(row.ttft_ms);
    }
    if (row.decision !== null) bucket.decisions.set(row.decision, (bucket.decisions.get(row.decision) ?? 0) + 1);
  }

  const nodes: Record<string, NodeTimeseries> = {};
  for (const nodeId of [...buckets.keys()].sort()) {
    const perNode = buckets.get(nodeId) ?? [];
    const of = <T>(pick: (bucket: Bucket) => T): T[] => perNode.map(pick);
    const names = [...new Set(perNode.flatMap((bucket) => [...bucket.decisions.keys()]))].sort();
    nodes[nodeId] = {
      requests: of((b) => b.requests), completed: of((b) => b.completed), failed: of((b) => b.failed), cancelled: of((b) => b.cancelled),
      timeout: of((b) => b.timeout), errors: of((b) => b.failed + b.timeout), retries: of((b) => b.retries),
      cache_hit_rate: of((b) => (b.prompted > 0 ? b.cached / b.prompted : null)),
      prefix_match_rate: of((b) => (b.prefixCount > 0 ? b.prefixSum / b.prefixCount : null)),
      avg_queue_size: of((b) => (b.queueCount > 0 ? b.queueSum / b.queueCount : null)),
      p50_duration_ms: of((b) => percentile(b.durations, 0.5)), p95_duration_ms: of((b) => percentile(b.durations, 0.95)),
      p50_ttft_ms: of((b) => percentile(b.ttfts, 0.5)), p95_ttft_ms: of((b) => percentile(b.ttfts, 0.95)),
      p50_duration_ms_hit: of((b) => percentile(b.durationsHit, 0.5)), p50_duration_ms_miss: of((b) => percentile(b.durationsMiss, 0.5)),
      p95_duration_ms_hit: of((b) => percentile(b.durationsHit, 0.95)), p95_duration_ms_miss: of((b) => percentile(b.durationsMiss, 0.95)),
      p50_ttft_ms_hit: of((b) => percentile(b.ttftsHit, 0.5)), p50_ttft_ms_miss: of((b) => percentile(b.ttftsMiss, 0.5)),
      p95_ttft_ms_hit: of((b) => percentile(b.ttftsHit, 0.95)), p95_ttft_ms_miss: of((b) => percentile(b.ttftsMiss, 0.95)),
      decisions: Object.fromEntries(names.map((name) => [name, of((b) => b.decisions.get(name) ?? 0)])),
    };
  }
  return { window: query.windowSeconds, step, from: toIso(firstStart * 1000), to: toIso((lastStart + step) * 1000), timestamps, nodes };
}
