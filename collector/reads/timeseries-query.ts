import type { Timeseries, TimeseriesNode } from '#shared/api-types.js';
import { toIso } from '#shared/time.js';
import { addEncoded, emptyHistogram, percentile } from '../rollups/histogram.js';
import { MATCH_SCALE } from '../rollups/rollup-delta.js';
import { ratio } from './rollup-rows.js';
import type { SqlParam, SqlRunner } from './sql-runner.js';

export interface TimeseriesOptions {
  windowSeconds: number;
  /** A multiple of the 10 s rollup bucket. */
  stepSeconds: number;
  nowMs: number;
  nodeId?: string;
  routingPolicy?: string;
  /** Nodes shown at most, the most requests first. */
  nodeLimit: number;
}

interface SeriesRow {
  bucket_ms: number;
  node_id: string;
  decision: string;
  cache_hit: number;
  requests: number;
  completed: number;
  failed: number;
  cancelled: number;
  timeout: number;
  retries: number;
  cached_sum: number;
  prompt_sum: number;
  queue_sum: number;
  queue_count: number;
  match_count: number;
  match_sum: number;
  duration_hist: Uint8Array;
  ttft_hist: Uint8Array;
}

/** Per point: the sums and the histograms split by cache hit (the "all" one is their sum plus unknowns). */
interface Point {
  requests: number; completed: number; failed: number; cancelled: number; timeout: number; retries: number;
  cached: number; prompt: number; queueSum: number; queueCount: number; matchCount: number; matchSum: number;
  duration: Int32Array; durationHit: Int32Array; durationMiss: Int32Array;
  ttft: Int32Array; ttftHit: Int32Array; ttftMiss: Int32Array;
  decisions: Map<string, number>;
}

const newPoint = (): Point => ({
  requests: 0, completed: 0, failed: 0, cancelled: 0, timeout: 0, retries: 0, cached: 0, prompt: 0, queueSum: 0, queueCount: 0, matchCount: 0, matchSum: 0,
  duration: emptyHistogram(), durationHit: emptyHistogram(), durationMiss: emptyHistogram(),
  ttft: emptyHistogram(), ttftHit: emptyHistogram(), ttftMiss: emptyHistogram(), decisions: new Map(),
});

/**
 * `GET /v1/traces/timeseries` from the rollups: the window ends at the end of the current step
 * and holds ceil(window / step) steps. Reads only the rollup rows inside it, for at most
 * `nodeLimit` nodes (chosen by requests in the window, one grouped query).
 */
export function computeTimeseries(sql: SqlRunner, options: TimeseriesOptions): Timeseries {
  const stepMs = options.stepSeconds * 1000;
  const points = Math.ceil(options.windowSeconds / options.stepSeconds);
  const endMs = (Math.floor(options.nowMs / stepMs) + 1) * stepMs;
  const startMs = endMs - points * stepMs;

  const filters: string[] = ['bucket_ms >= ?', 'bucket_ms < ?'];
  const params: SqlParam[] = [startMs, endMs];
  if (options.nodeId !== undefined) {
    filters.push('node_id = ?');
    params.push(options.nodeId);
  }
  if (options.routingPolicy !== undefined) {
    filters.push('routing_policy = ?');
    params.push(options.routingPolicy);
  }
  const where = filters.join(' AND ');
  const ranked = sql.all(`SELECT node_id, sum(requests) AS requests FROM rollups WHERE ${where} GROUP BY node_id`, params) as Array<{ node_id: string; requests: number }>;
  const chosen = ranked
    .filter((node) => node.requests > 0)
    .sort((a, b) => b.requests - a.requests || (a.node_id < b.node_id ? -1 : 1))
    .slice(0, options.nodeLimit)
    .map((node) => node.node_id)
    .sort();

  const series = new Map<string, Array<Point | undefined>>(chosen.map((id) => [id, new Array<Point | undefined>(points)]));
  if (chosen.length > 0) {
    const rows = sql.all(
      `SELECT bucket_ms, node_id, decision, cache_hit, requests, completed, failed, cancelled, timeout, retries, cached_sum, prompt_sum,
              queue_sum, queue_count, match_count, match_sum, duration_hist, ttft_hist
       FROM rollups WHERE ${where} AND node_id IN (${chosen.map(() => '?').join(', ')})`,
      [...params, ...chosen],
    ) as SeriesRow[];
    for (const row of rows) {
      const slots = series.get(row.node_id);
      if (slots === undefined) continue;
      const index = Math.floor((row.bucket_ms - startMs) / stepMs);
      const point = (slots[index] ??= newPoint());
      addRow(point, row);
    }
  }

  const nodes: Record<string, TimeseriesNode> = {};
  for (const [nodeId, slots] of series) nodes[nodeId] = toColumns(slots);
  return {
    window: options.windowSeconds,
    step: options.stepSeconds,
    from: toIso(startMs),
    to: toIso(endMs),
    timestamps: Array.from({ length: points }, (_, i) => (startMs + i * stepMs) / 1000),
    nodes,
    nodes_truncated: ranked.filter((node) => node.requests > 0).length > chosen.length,
  };
}

function addRow(point: Point, row: SeriesRow): void {
  point.requests += row.requests;
  point.completed += row.completed;
  point.failed += row.failed;
  point.cancelled += row.cancelled;
  point.timeout += row.timeout;
  point.retries += row.retries;
  point.cached += row.cached_sum;
  point.prompt += row.prompt_sum;
  point.queueSum += row.queue_sum;
  point.queueCount += row.queue_count;
  point.matchCount += row.match_count;
  point.matchSum += row.match_sum;
  addEncoded(point.duration, row.duration_hist);
  addEncoded(point.ttft, row.ttft_hist);
  if (row.cache_hit === 1) {
    addEncoded(point.durationHit, row.duration_hist);
    addEncoded(point.ttftHit, row.ttft_hist);
  } else if (row.cache_hit === 0) {
    addEncoded(point.durationMiss, row.duration_hist);
    addEncoded(point.ttftMiss, row.ttft_hist);
  }
  if (row.decision !== '') point.decisions.set(row.decision, (point.decisions.get(row.decision) ?? 0) + row.requests);
}

function toColumns(slots: Array<Point | undefined>): TimeseriesNode {
  const count = (pick: (p: Point) => number): number[] => Array.from(slots, (p) => (p === undefined ? 0 : pick(p)));
  const maybe = (pick: (p: Point) => number | null): Array<number | null> => Array.from(slots, (p) => (p === undefined ? null : pick(p)));
  const names = new Set<string>();
  for (const point of slots) for (const name of point?.decisions.keys() ?? []) names.add(name);
  return {
    requests: count((p) => p.requests),
    completed: count((p) => p.completed),
    failed: count((p) => p.failed),
    cancelled: count((p) => p.cancelled),
    timeout: count((p) => p.timeout),
    errors: count((p) => p.failed + p.timeout),
    retries: count((p) => p.retries),
    cache_hit_rate: maybe((p) => ratio(p.cached, p.prompt)),
    prefix_match_rate: maybe((p) => ratio(p.matchSum / MATCH_SCALE, p.matchCount)),
    avg_queue_size: maybe((p) => ratio(p.queueSum, p.queueCount)),
    p50_duration_ms: maybe((p) => percentile(p.duration, 0.5)),
    p95_duration_ms: maybe((p) => percentile(p.duration, 0.95)),
    p50_ttft_ms: maybe((p) => percentile(p.ttft, 0.5)),
    p95_ttft_ms: maybe((p) => percentile(p.ttft, 0.95)),
    p50_duration_ms_hit: maybe((p) => percentile(p.durationHit, 0.5)),
    p50_duration_ms_miss: maybe((p) => percentile(p.durationMiss, 0.5)),
    p95_duration_ms_hit: maybe((p) => percentile(p.durationHit, 0.95)),
    p95_duration_ms_miss: maybe((p) => percentile(p.durationMiss, 0.95)),
    p50_ttft_ms_hit: maybe((p) => percentile(p.ttftHit, 0.5)),
    p50_ttft_ms_miss: maybe((p) => percentile(p.ttftMiss, 0.5)),
    p95_ttft_ms_hit: maybe((p) => percentile(p.ttftHit, 0.95)),
    p95_ttft_ms_miss: maybe((p) => percentile(p.ttftMiss, 0.95)),
    decisions: Object.fromEntries([...names].sort().map((name) => [name, count((p) => p.decisions.get(name) ?? 0)])),
  };
}
