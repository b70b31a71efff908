import { sql, type Kysely } from 'kysely';
import type { NodeStats, TraceStats } from '#shared/api-types.js';
import { TRACE_STATUSES } from '#shared/record.js';
import { toIso } from '#shared/time.js';
import type { StoreSchema } from './schema.js';

export interface StatsOptions {
  /** Limit per-node and per-status figures to records routed at or after this time. */
  sinceMs?: number;
  retention: { maxTraceEntries: number; traceTtlSeconds: number };
}

interface NodeAggregate {
  node_id: string;
  requests: number;
  timed: number;
  cached: number | null;
  prompted: number | null;
  avg_queue_size: number | null;
  completed: number;
  failed: number;
  cancelled: number;
  timeout: number;
}

/**
 * `/v1/traces/stats`. Percentiles are nearest-rank over the records that report a duration:
 * p = the value at rank ceil(p × n) in ascending order. Costs (measured at 100,000 rows) shaped
 * it: count(*), min() and max() each alone are answered from b-trees in microseconds (together
 * they scan); per-node and per-status figures come from one pass; a node's latest URL is one
 * step down the (node_id, timestamp_ms) index.
 */
export class TraceStatsQuery {
  readonly #db: Kysely<StoreSchema>;

  constructor(db: Kysely<StoreSchema>) {
    this.#db = db;
  }

  async compute(options: StatsOptions): Promise<TraceStats> {
    const traces = this.#db.selectFrom('traces');
    const active = (await traces.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const oldest = (await traces.select((eb) => eb.fn.min<number | null>('timestamp_ms').as('t')).executeTakeFirstOrThrow()).t;
    const newest = (await traces.select((eb) => eb.fn.max<number | null>('timestamp_ms').as('t')).executeTakeFirstOrThrow()).t;
    const counters = await this.#db.selectFrom('counters').select(['name', 'value']).execute();
    const counter = (name: string): number => counters.find((row) => row.name === name)?.value ?? 0;

    const perNode: NodeAggregate[] = await traces
      .$if(options.sinceMs !== undefined, (q) => q.where('timestamp_ms', '>=', options.sinceMs ?? 0))
      .select([
        'node_id',
        (eb) => eb.fn.countAll<number>().as('requests'),
        (eb) => eb.fn.count<number>('duration_ms').as('timed'),
        // Token-weighted hit rate: only records that report both counts take part.
        sql<number | null>`sum(CASE WHEN prompt_tokens IS NOT NULL THEN cached_tokens END)`.as('cached'),
        sql<number | null>`sum(CASE WHEN cached_tokens IS NOT NULL THEN prompt_tokens END)`.as('prompted'),
        (eb) => eb.fn.avg<number | null>('queue_size').as('avg_queue_size'),
        sql<number>`sum(status = 'completed')`.as('completed'),
        sql<number>`sum(status = 'failed')`.as('failed'),
        sql<number>`sum(status = 'cancelled')`.as('cancelled'),
        sql<number>`sum(status = 'timeout')`.as('timeout'),
      ])
      .groupBy('node_id')
      .orderBy('node_id')
      .execute();

    const nodes: Record<string, NodeStats> = {};
    const requestsPerNode: Record<string, number> = {};
    const perStatus: Record<string, number> = {};
    for (const node of perNode) {
      requestsPerNode[node.node_id] = node.requests;
      for (const status of TRACE_STATUSES) if (node[status] > 0) perStatus[status] = (perStatus[status] ?? 0) + node[status];
      const { p50, p95 } = await this.#percentiles(node.node_id, node.timed, options.sinceMs);
      nodes[node.node_id] = {
        worker_url: await this.#latestUrl(node.node_id, options.sinceMs),
        requests: node.requests,
        cache_hit_rate: node.prompted ? (node.cached ?? 0) / node.prompted : null,
        avg_queue_size: node.avg_queue_size,
        p50_duration_ms: p50,
        p95_duration_ms: p95,
        errors: node.failed + node.timeout,
      };
    }

    return {
      total_requests: counter('total_requests'),
      active_traces: active,
      requests_per_node: requestsPerNode,
      requests_per_status: Object.fromEntries(Object.entries(perStatus).sort(([a], [b]) => a.localeCompare(b))),
      nodes,
      oldest: oldest === null ? null : toIso(oldest),
      newest: newest === null ? null : toIso(newest),
      retention: {
        max_trace_entries: options.retention.maxTraceEntries,
        trace_ttl_seconds: options.retention.traceTtlSeconds,
      },
      dropped_records: counter('dropped_records'),
    };
  }

  /** The URL of the node's most recently routed record. */
  async #latestUrl(nodeId: string, sinceMs: number | undefined): Promise<string> {
    const row = await this.#db
      .selectFrom('traces')
      .select('worker_url')
      .where('node_id', '=', nodeId)
      .$if(sinceMs !== undefined, (q) => q.where('timestamp_ms', '>=', sinceMs ?? 0))
      .orderBy('timestamp_ms', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.worker_url ?? '';
  }

  /** p50 and p95 from one sort of the node's durations (a window function picks both ranks). */
  async #percentiles(nodeId: string, count: number, sinceMs: number | undefined): Promise<{ p50: number | null; p95: number | null }> {
    if (count === 0) return { p50: null, p95: null };
    const ranks = { p50: Math.ceil(0.5 * count), p95: Math.ceil(0.95 * count) };
    const ranked = this.#db
      .selectFrom('traces')
      .select(['duration_ms', sql<number>`row_number() OVER (ORDER BY duration_ms)`.as('rank')])
      .where('node_id', '=', nodeId)
      .where('duration_ms', 'is not', null)
      .$if(sinceMs !== undefined, (q) => q.where('timestamp_ms', '>=', sinceMs ?? 0));
    const rows = await this.#db
      .selectFrom(ranked.as('ranked'))
      .select(['duration_ms', 'rank'])
      .where('rank', 'in', [ranks.p50, ranks.p95])
      .execute();
    const at = (rank: number): number | null => rows.find((row) => row.rank === rank)?.duration_ms ?? null;
    return { p50: at(ranks.p50), p95: at(ranks.p95) };
  }
}
