import type { Timeseries, TimeseriesNode } from '#shared/api-types.js';
import { toIso } from '#shared/time.js';
import { BUCKET_MS } from '../rollups/rollup-delta.js';
import type { TimeseriesCache } from './timeseries-cache.js';
import { addRow, HistogramPool, newPoint, SERIES_COLUMNS, toColumns, type Point, type SeriesRow } from './timeseries-points.js';
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

interface Window {
  startMs: number;
  endMs: number;
  stepMs: number;
  points: number;
}

/**
 * `GET /v1/traces/timeseries` from the rollups: the window ends at the end of the current step
 * and holds ceil(window / step) steps, for at most `nodeLimit` nodes (chosen by requests in the
 * window). With a cache (SQLite's reader thread), 60 s steps over every routing policy come
 * from the cache's per-bucket points; anything else reads the window's rollup rows.
 */
export async function computeTimeseries(sql: SqlRunner, options: TimeseriesOptions, cache?: TimeseriesCache): Promise<Timeseries> {
  const stepMs = options.stepSeconds * 1000;
  const points = Math.ceil(options.windowSeconds / options.stepSeconds);
  const endMs = (Math.floor(options.nowMs / stepMs) + 1) * stepMs;
  const window: Window = { startMs: endMs - points * stepMs, endMs, stepMs, points };
  const { series, truncated } =
    cache !== undefined && stepMs === BUCKET_MS && options.routingPolicy === undefined
      ? await fromCache(sql, cache, window, options)
      : await fromRows(sql, window, options);
  const nodes: Record<string, TimeseriesNode> = {};
  for (const [nodeId, slots] of series) nodes[nodeId] = toColumns(slots);
  return {
    window: options.windowSeconds,
    step: options.stepSeconds,
    from: toIso(window.startMs),
    to: toIso(endMs),
    timestamps: Array.from({ length: points }, (_, i) => (window.startMs + i * stepMs) / 1000),
    nodes,
    nodes_truncated: truncated,
  };
}

interface Series {
  series: Map<string, Array<Point | undefined>>;
  truncated: boolean;
}

/** The `nodeLimit` nodes with the most requests (ties by id), sorted by id; and whether any were left out. */
function chooseNodes(ranked: ReadonlyArray<{ node_id: string; requests: number }>, nodeLimit: number): { chosen: string[]; truncated: boolean } {
  const active = ranked.filter((node) => node.requests > 0);
  const chosen = active
    .sort((a, b) => b.requests - a.requests || (a.node_id < b.node_id ? -1 : 1))
    .slice(0, nodeLimit)
    .map((node) => node.node_id)
    .sort();
  return { chosen, truncated: active.length > chosen.length };
}

async function fromCache(sql: SqlRunner, cache: TimeseriesCache, window: Window, options: TimeseriesOptions): Promise<Series> {
  const buckets = await cache.bucketPoints(sql, window.startMs, window.endMs);
  const requests = new Map<string, number>();
  for (const points of buckets.values()) {
    for (const [nodeId, point] of points) {
      if (options.nodeId === undefined || nodeId === options.nodeId) requests.set(nodeId, (requests.get(nodeId) ?? 0) + point.requests);
    }
  }
  const { chosen, truncated } = chooseNodes([...requests].map(([node_id, sum]) => ({ node_id, requests: sum })), options.nodeLimit);
  const series = new Map<string, Array<Point | undefined>>(chosen.map((id) => [id, new Array<Point | undefined>(window.points)]));
  for (const [bucket, points] of buckets) {
    const slot = (bucket - window.startMs) / window.stepMs;
    for (const [nodeId, slots] of series) slots[slot] = points.get(nodeId);
  }
  return { series, truncated };
}

/** Reads only the rollup rows inside the window, for the chosen nodes (chosen by one grouped query). */
async function fromRows(sql: SqlRunner, window: Window, options: TimeseriesOptions): Promise<Series> {
  const filters: string[] = ['bucket_ms >= ?', 'bucket_ms < ?'];
  const params: SqlParam[] = [window.startMs, window.endMs];
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
  const { chosen, truncated } = chooseNodes(ranked, options.nodeLimit);
  const series = new Map<string, Array<Point | undefined>>(chosen.map((id) => [id, new Array<Point | undefined>(window.points)]));
  if (chosen.length > 0) {
    // No ORDER BY: points are completed after every row is in, so row order does not matter,
    // and sorting ~2,000 wide rows (their histograms) cost ~1.5 ms of the query (measured).
    const rows = (await sql.all(`SELECT ${SERIES_COLUMNS} FROM rollups WHERE ${where} AND node_id IN (${chosen.map(() => '?').join(', ')})`, [...params, ...chosen])) as SeriesRow[];
    for (const row of rows) {
      const slots = series.get(row.node_id);
      if (slots === undefined) continue;
      addRow((slots[Math.floor((row.bucket_ms - window.startMs) / window.stepMs)] ??= newPoint()), row);
    }
    const pool = new HistogramPool();
    for (const slots of series.values()) for (const point of slots) if (point !== undefined) pool.complete(point);
  }
  return { series, truncated };
}
