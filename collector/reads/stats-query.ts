import type { NodeStats, TraceStats } from '#shared/api-types.js';
import { ATTRIBUTIONS, TRACE_STATUSES } from '#shared/record.js';
import { toIso } from '#shared/time.js';
import { addEncoded, emptyHistogram, percentiles } from '../rollups/histogram.js';
import { BUCKET_MS, MATCH_SCALE } from '../rollups/rollup-delta.js';
import { NODE_SUMS_SELECT, ratio, type NodeSums } from './rollup-rows.js';
import type { SqlParam, SqlRunner } from './sql-runner.js';

export interface StatsOptions {
  /** Limit figures to records routed in the last this many seconds (from a rollup bucket boundary). */
  windowSeconds?: number;
  nowMs: number;
  /** Nodes shown in full detail (the most requests first); the rest are summed in `other_nodes`. */
  nodeLimit: number;
  retention: { maxTraceEntries: number; traceTtlSeconds: number };
}

/** Figures that never follow `?window=`: they count since the database was created, or are settings. */
export const GLOBAL_STATS_FIGURES = ['total_requests', 'dropped_records', 'cached_tokens_clamped', 'retention'] as const;

interface DetailRow {
  node_id: string;
  decision: string;
  attribution: string;
  requests: number;
  duration_hist: Uint8Array;
}

/**
 * `/v1/traces/stats` from the rollups: its cost follows the number of (bucket, node, key) rollup
 * rows, not retained records. Counts and sums are exact for what is retained; percentiles come
 * from the log-scale histograms (rollups/histogram.ts states the error bound). At most
 * `nodeLimit` nodes get per-node detail, fetched in one query, never one query per node.
 */
export async function computeStats(sql: SqlRunner, options: StatsOptions): Promise<TraceStats> {
  const since = options.windowSeconds === undefined ? undefined : Math.floor((options.nowMs - options.windowSeconds * 1000) / BUCKET_MS) * BUCKET_MS;
  // Without a window, rollup_totals holds one row per key over everything retained.
  const table = since === undefined ? 'rollup_totals' : 'rollups';
  const bucketWhere = since === undefined ? '' : ' WHERE bucket_ms >= ?';
  const bucketParams: SqlParam[] = since === undefined ? [] : [since];
  const counters = new Map(((await sql.all('SELECT name, value FROM counters')) as Array<{ name: string; value: number }>).map((row) => [row.name, row.value]));
  const counter = (name: string): number => counters.get(name) ?? 0;

  const sums = ((await sql.all(`SELECT ${NODE_SUMS_SELECT} FROM ${table}${bucketWhere} GROUP BY node_id`, bucketParams)) as NodeSums[])
    .filter((node) => node.requests > 0)
    .sort((a, b) => b.requests - a.requests || (a.node_id < b.node_id ? -1 : 1));
  const shown = sums.slice(0, options.nodeLimit);
  const others = sums.slice(options.nodeLimit);

  const perStatus: Record<string, number> = {};
  let windowRequests = 0;
  for (const node of sums) {
    windowRequests += node.requests;
    for (const status of TRACE_STATUSES) if (node[status] > 0) perStatus[status] = (perStatus[status] ?? 0) + node[status];
  }

  const details = await nodeDetails(sql, table, shown.map((node) => node.node_id), since);
  const nodes: Record<string, NodeStats> = {};
  const requestsPerNode: Record<string, number> = {};
  for (const node of [...shown].sort((a, b) => (a.node_id < b.node_id ? -1 : 1))) {
    const detail = details.get(node.node_id);
    const [p50, p95] = percentiles(detail?.durations, [0.5, 0.95]);
    requestsPerNode[node.node_id] = node.requests;
    nodes[node.node_id] = {
      // Awaited one after another: PostgreSQL's runner is one connection (one snapshot).
      worker_url: await latestUrl(sql, node.node_id, since),
      requests: node.requests,
      cache_hit_rate: ratio(node.cached_sum, node.prompt_sum),
      avg_queue_size: ratio(node.queue_sum, node.queue_count),
      p50_duration_ms: p50 ?? null,
      p95_duration_ms: p95 ?? null,
      errors: node.failed + node.timeout,
      attribution: detail?.attribution ?? zeroAttribution(),
      decisions: detail?.decisions ?? {},
      decision_quality: {
        records: node.match_count,
        predicted_prefix_match_rate: ratio(node.match_sum / MATCH_SCALE, node.match_count),
        cache_hit_rate: ratio(node.match_cached_sum, node.match_prompt_sum),
      },
    };
  }

  const bound = since === undefined ? { text: '', params: [] as SqlParam[] } : { text: ' WHERE timestamp_ms >= ?', params: [since] };
  const oldest = ((await sql.get(`SELECT min(timestamp_ms) AS t FROM traces${bound.text}`, bound.params)) as { t: number | null }).t;
  const newest = ((await sql.get(`SELECT max(timestamp_ms) AS t FROM traces${bound.text}`, bound.params)) as { t: number | null }).t;
  return {
    total_requests: counter('total_requests'),
    active_traces: since === undefined ? counter('retained_rows') : windowRequests,
    requests_per_node: requestsPerNode,
    requests_per_status: Object.fromEntries(Object.entries(perStatus).sort(([a], [b]) => a.localeCompare(b))),
    nodes,
    nodes_truncated: others.length > 0,
    other_nodes: others.length === 0 ? null : {
      nodes: others.length,
      requests: others.reduce((total, node) => total + node.requests, 0),
      errors: others.reduce((total, node) => total + node.failed + node.timeout, 0),
    },
    oldest: oldest === null ? null : toIso(oldest),
    newest: newest === null ? null : toIso(newest),
    retention: { max_trace_entries: options.retention.maxTraceEntries, trace_ttl_seconds: options.retention.traceTtlSeconds },
    dropped_records: counter('dropped_records'),
    cached_tokens_clamped: counter('cached_tokens_clamped'),
    window: since === undefined || options.windowSeconds === undefined ? null : { seconds: options.windowSeconds, since: toIso(since), global: [...GLOBAL_STATS_FIGURES] },
  };
}

function zeroAttribution(): Record<(typeof ATTRIBUTIONS)[number], number> {
  return { proxy: 0, header: 0, router: 0, inferred: 0 };
}

interface NodeDetail {
  durations: Int32Array;
  attribution: Record<(typeof ATTRIBUTIONS)[number], number>;
  decisions: Record<string, number>;
}

/** Histograms, attribution mix and decisions of the shown nodes, from one query. */
async function nodeDetails(sql: SqlRunner, table: string, nodeIds: string[], since: number | undefined): Promise<Map<string, NodeDetail>> {
  const details = new Map<string, NodeDetail>();
  if (nodeIds.length === 0) return details;
  const where = `node_id IN (${nodeIds.map(() => '?').join(', ')})${since === undefined ? '' : ' AND bucket_ms >= ?'}`;
  const rows = (await sql.all(`SELECT node_id, decision, attribution, requests, duration_hist FROM ${table} WHERE ${where}`, since === undefined ? nodeIds : [...nodeIds, since])) as DetailRow[];
  for (const row of rows) {
    let detail = details.get(row.node_id);
    if (detail === undefined) {
      detail = { durations: emptyHistogram(), attribution: zeroAttribution(), decisions: {} };
      details.set(row.node_id, detail);
    }
    addEncoded(detail.durations, row.duration_hist);
    const attribution = ATTRIBUTIONS.find((value) => value === row.attribution);
    if (attribution !== undefined) detail.attribution[attribution] += row.requests;
    if (row.decision !== '') detail.decisions[row.decision] = (detail.decisions[row.decision] ?? 0) + row.requests;
  }
  for (const detail of details.values()) detail.decisions = Object.fromEntries(Object.entries(detail.decisions).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));
  return details;
}

/** The URL of the node's most recently stored record: one step down the (node_id, seq) index. */
async function latestUrl(sql: SqlRunner, nodeId: string, since: number | undefined): Promise<string> {
  const row = since === undefined
    ? await sql.get('SELECT worker_url FROM traces WHERE node_id = ? ORDER BY seq DESC LIMIT 1', [nodeId])
    : await sql.get('SELECT worker_url FROM traces WHERE node_id = ? AND timestamp_ms >= ? ORDER BY seq DESC LIMIT 1', [nodeId, since]);
  return (row as { worker_url: string } | undefined)?.worker_url ?? '';
}
