import { sql, type Kysely } from 'kysely';
import type { NodeStats, TraceStats } from '../../../shared/src/api-types.js';
import { toIso } from '../../../shared/src/time.js';
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
  errors: number;
}

/**
 * `/v1/traces/stats`. Percentiles are nearest-rank over the records that report a duration:
 * p = the value at rank ceil(p × n) in ascending order.
 */
export class TraceStatsQuery {
  readonly #db: Kysely<StoreSchema>;

  constructor(db: Kysely<StoreSchema>) {
    this.#db = db;
  }

  async compute(options: StatsOptions): Promise<TraceStats> {
    const totals = await this.#db
      .selectFrom('traces')
      .select((eb) => [
        eb.fn.countAll<number>().as('active'),
        eb.fn.min<number | null>('timestamp_ms').as('oldest'),
        eb.fn.max<number | null>('timestamp_ms').as('newest'),
      ])
      .executeTakeFirstOrThrow();
    const counters = await this.#db.selectFrom('counters').select(['name', 'value']).execute();
    const counter = (name: string): number => counters.find((row) => row.name === name)?.value ?? 0;

    const windowed = this.#db
      .selectFrom('traces')
      .$if(options.sinceMs !== undefined, (q) => q.where('timestamp_ms', '>=', options.sinceMs ?? 0));

    const perStatus = await windowed
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .orderBy('status')
      .execute();

    const perNode: NodeAggregate[] = await windowed
      .select([
        'node_id',
        (eb) => eb.fn.countAll<number>().as('requests'),
        (eb) => eb.fn.count<number>('duration_ms').as('timed'),
        // Token-weighted hit rate: only records that report both counts take part.
        sql<number | null>`sum(CASE WHEN prompt_tokens IS NOT NULL THEN cached_tokens END)`.as('cached'),
        sql<number | null>`sum(CASE WHEN cached_tokens IS NOT NULL THEN prompt_tokens END)`.as('prompted'),
        (eb) => eb.fn.avg<number | null>('queue_size').as('avg_queue_size'),
        sql<number>`sum(status IN ('failed', 'timeout'))`.as('errors'),
      ])
      .groupBy('node_id')
      .orderBy('node_id')
      .execute();

    // SQLite returns the other columns of the max(seq) row: each node's latest worker_url.
    const latestUrls = await windowed
      .select(['node_id', 'worker_url', (eb) => eb.fn.max('seq').as('latest')])
      .groupBy('node_id')
      .execute();

    const nodes: Record<string, NodeStats> = {};
    const requestsPerNode: Record<string, number> = {};
    for (const node of perNode) {
      requestsPerNode[node.node_id] = node.requests;
      nodes[node.node_id] = {
        worker_url: latestUrls.find((row) => row.node_id === node.node_id)?.worker_url ?? '',
        requests: node.requests,
        cache_hit_rate: node.prompted ? (node.cached ?? 0) / node.prompted : null,
        avg_queue_size: node.avg_queue_size,
        p50_duration_ms: await this.#percentile(node.node_id, node.timed, 0.5, options.sinceMs),
        p95_duration_ms: await this.#percentile(node.node_id, node.timed, 0.95, options.sinceMs),
        errors: node.errors,
      };
    }

    return {
      total_requests: counter('total_requests'),
      active_traces: totals.active,
      requests_per_node: requestsPerNode,
      requests_per_status: Object.fromEntries(perStatus.map((row) => [row.status, row.n])),
      nodes,
      oldest: totals.oldest === null ? null : toIso(totals.oldest),
      newest: totals.newest === null ? null : toIso(totals.newest),
      retention: {
        max_trace_entries: options.retention.maxTraceEntries,
        trace_ttl_seconds: options.retention.traceTtlSeconds,
      },
      dropped_records: counter('dropped_records'),
    };
  }

  async #percentile(nodeId: string, count: number, p: number, sinceMs: number | undefined): Promise<number | null> {
    if (count === 0) return null;
    const rank = Math.ceil(p * count);
    const row = await this.#db
      .selectFrom('traces')
      .select('duration_ms')
      .where('node_id', '=', nodeId)
      .where('duration_ms', 'is not', null)
      .$if(sinceMs !== undefined, (q) => q.where('timestamp_ms', '>=', sinceMs ?? 0))
      .orderBy('duration_ms')
      .limit(1)
      .offset(rank - 1)
      .executeTakeFirst();
    return row?.duration_ms ?? null;
  }
}
