import type { Timeseries, TimeseriesNode } from '#shared/api-types.js';
import { toIso } from '#shared/time.js';
import { addRow, HistogramPool, newPoint, toColumns, type Point, type SeriesRow } from './timeseries-points.js';
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

/**
 * `GET /v1/traces/timeseries` from the rollups: the window ends at the end of the current step
 * and holds ceil(window / step) steps. Reads only the rollup rows inside it, for at most
 * `nodeLimit` nodes (chosen by requests in the window, one grouped query).
 */
export async function computeTimeseries(sql: SqlRunner, options: TimeseriesOptions): Promise<Timeseries> {
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
  const ranked = (await sql.all(`SELECT node_id, sum(requests) AS requests FROM rollups WHERE ${where} GROUP BY node_id`, params)) as Array<{ node_id: string; requests: number }>;
  const chosen = ranked
    .filter((node) => node.requests > 0)
    .sort((a, b) => b.requests - a.requests || (a.node_id < b.node_id ? -1 : 1))
    .slice(0, options.nodeLimit)
    .map((node) => node.node_id)
    .sort();

  const series = new Map<string, Array<Point | undefined>>(chosen.map((id) => [id, new Array<Point | undefined>(points)]));
  if (chosen.length > 0) {
    // No ORDER BY: points are completed after every row is in, so row order does not matter,
    // and sorting ~2,000 wide rows (their histograms) cost ~1.5 ms of the query (measured).
    const rows = (await sql.all(
      `SELECT bucket_ms, node_id, decision, cache_hit, requests, completed, failed, cancelled, timeout, retries, cached_sum, prompt_sum,
              queue_sum, queue_count, match_count, match_sum, duration_hist, ttft_hist
       FROM rollups WHERE ${where} AND node_id IN (${chosen.map(() => '?').join(', ')})`,
      [...params, ...chosen],
    )) as SeriesRow[];
    for (const row of rows) {
      const slots = series.get(row.node_id);
      if (slots === undefined) continue;
      addRow((slots[Math.floor((row.bucket_ms - startMs) / stepMs)] ??= newPoint()), row);
    }
    const pool = new HistogramPool();
    for (const slots of series.values()) for (const point of slots) if (point !== undefined) pool.complete(point);
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
