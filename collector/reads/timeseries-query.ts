import type { Timeseries, TimeseriesNode } from '#shared/api-types.js';
import { toIso } from '#shared/time.js';
import { SummedHistogram } from '../rollups/histogram.js';
import { MATCH_SCALE } from '../rollups/rollup-delta.js';
import { ratio } from './rollup-rows.js';
import type { SqlParam, SqlRunner } from './sql-runner.js';

export interface TimeseriesOptions {
  windowSeconds: number;
  /** A multiple of the 60 s rollup bucket. */
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
  /** Histograms while the point's rows are summed; taken from and returned to a pool. */
  hists: Partial<Record<HistName, SummedHistogram>>;
  /** [p50, p95] of each histogram, once the point is complete. */
  quantiles: Partial<Record<HistName, Array<number | null>>>;
  decisions: Map<string, number>;
}

type HistName = 'duration' | 'durationHit' | 'durationMiss' | 'ttft' | 'ttftHit' | 'ttftMiss';

const newPoint = (): Point => ({
  requests: 0, completed: 0, failed: 0, cancelled: 0, timeout: 0, retries: 0, cached: 0, prompt: 0, queueSum: 0, queueCount: 0, matchCount: 0, matchSum: 0,
  hists: {}, quantiles: {}, decisions: new Map(),
});

const HIST_NAMES = ['duration', 'durationHit', 'durationMiss', 'ttft', 'ttftHit', 'ttftMiss'] as const;

/**
 * Reuses histograms across points: rows arrive in bucket order, so each step's points are
 * completed before the next step starts and their 520-bin arrays go back to the pool
 * (allocating one per point per kind made ~12 MB of garbage per call at 16 nodes).
 */
class HistogramPool {
  readonly #free: SummedHistogram[] = [];

  add(point: Point, name: HistName, blob: Uint8Array): void {
    if (blob.byteLength === 0) return;
    (point.hists[name] ??= this.#free.pop() ?? new SummedHistogram()).add(blob);
  }

  complete(point: Point): void {
    for (const name of HIST_NAMES) {
      const hist = point.hists[name];
      if (hist === undefined) continue;
      point.quantiles[name] = hist.percentiles([0.5, 0.95]);
      this.#free.push(hist.reset());
    }
    point.hists = {};
  }
}

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
       FROM rollups WHERE ${where} AND node_id IN (${chosen.map(() => '?').join(', ')}) ORDER BY bucket_ms`,
      [...params, ...chosen],
    ) as SeriesRow[];
    const pool = new HistogramPool();
    const completeStep = (index: number): void => {
      for (const slots of series.values()) {
        const point = slots[index];
        if (point !== undefined) pool.complete(point);
      }
    };
    let current = -1;
    for (const row of rows) {
      const slots = series.get(row.node_id);
      if (slots === undefined) continue;
      const index = Math.floor((row.bucket_ms - startMs) / stepMs);
      if (index !== current) {
        if (current >= 0) completeStep(current);
        current = index;
      }
      addRow((slots[index] ??= newPoint()), row, pool);
    }
    if (current >= 0) completeStep(current);
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

function addRow(point: Point, row: SeriesRow, pool: HistogramPool): void {
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
  pool.add(point, 'duration', row.duration_hist);
  pool.add(point, 'ttft', row.ttft_hist);
  if (row.cache_hit === 1) {
    pool.add(point, 'durationHit', row.duration_hist);
    pool.add(point, 'ttftHit', row.ttft_hist);
  } else if (row.cache_hit === 0) {
    pool.add(point, 'durationMiss', row.duration_hist);
    pool.add(point, 'ttftMiss', row.ttft_hist);
  }
  if (row.decision !== '') point.decisions.set(row.decision, (point.decisions.get(row.decision) ?? 0) + row.requests);
}

function toColumns(slots: Array<Point | undefined>): TimeseriesNode {
  const count = (pick: (p: Point) => number): number[] => Array.from(slots, (p) => (p === undefined ? 0 : pick(p)));
  const maybe = (pick: (p: Point) => number | null): Array<number | null> => Array.from(slots, (p) => (p === undefined ? null : pick(p)));
  const names = new Set<string>();
  for (const point of slots) for (const name of point?.decisions.keys() ?? []) names.add(name);
  const q = (name: HistName, which: 0 | 1): Array<number | null> => Array.from(slots, (p) => p?.quantiles[name]?.[which] ?? null);
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
    p50_duration_ms: q('duration', 0),
    p95_duration_ms: q('duration', 1),
    p50_ttft_ms: q('ttft', 0),
    p95_ttft_ms: q('ttft', 1),
    p50_duration_ms_hit: q('durationHit', 0),
    p50_duration_ms_miss: q('durationMiss', 0),
    p95_duration_ms_hit: q('durationHit', 1),
    p95_duration_ms_miss: q('durationMiss', 1),
    p50_ttft_ms_hit: q('ttftHit', 0),
    p50_ttft_ms_miss: q('ttftMiss', 0),
    p95_ttft_ms_hit: q('ttftHit', 1),
    p95_ttft_ms_miss: q('ttftMiss', 1),
    decisions: Object.fromEntries([...names].sort().map((name) => [name, count((p) => p.decisions.get(name) ?? 0)])),
  };
}
