import type { Kysely } from 'kysely';
import type { StoredTrace } from '#shared/api-types.js';
import type { StoreSchema } from './schema.js';
import { rowToTrace } from './row-mapping.js';

/** A validated `GET /v1/traces` query (see routes/list-query.ts for the parameter rules). */
export interface TraceFilter {
  limit: number;
  /** Only records with a smaller seq: the cursor for walking back through history. */
  beforeSeq?: number;
  nodeId?: string;
  workerUrl?: string;
  status?: string;
  routingPolicy?: string;
  requestId?: string;
  /** The routing policy's branch (`decision` field). */
  decision?: string;
  /** Inclusive lower bound on the routing timestamp, epoch ms. */
  sinceMs?: number;
  /** Exclusive upper bound on the routing timestamp, epoch ms. */
  untilMs?: number;
}

export class TraceQueries {
  readonly #db: Kysely<StoreSchema>;

  constructor(db: Kysely<StoreSchema>) {
    this.#db = db;
  }

  /** Newest first (by seq, the order the collector stored them). */
  async list(filter: TraceFilter): Promise<StoredTrace[]> {
    let query = this.#db.selectFrom('traces').selectAll();
    if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
    if (filter.nodeId !== undefined) query = query.where('node_id', '=', filter.nodeId);
    if (filter.workerUrl !== undefined) query = query.where('worker_url', '=', filter.workerUrl);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.routingPolicy !== undefined) query = query.where('routing_policy', '=', filter.routingPolicy);
    if (filter.requestId !== undefined) query = query.where('request_id', '=', filter.requestId);
    if (filter.decision !== undefined) query = query.where('decision', '=', filter.decision);
    if (filter.sinceMs !== undefined) query = query.where('timestamp_ms', '>=', filter.sinceMs);
    if (filter.untilMs !== undefined) query = query.where('timestamp_ms', '<', filter.untilMs);
    const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
    return rows.map(rowToTrace);
  }

  /** Every record with that request id, newest first. */
  async byRequestId(requestId: string, limit?: number): Promise<StoredTrace[]> {
    let query = this.#db.selectFrom('traces').selectAll().where('request_id', '=', requestId).orderBy('seq', 'desc');
    if (limit !== undefined) query = query.limit(limit);
    return (await query.execute()).map(rowToTrace);
  }

  async counter(name: 'total_requests' | 'dropped_records'): Promise<number> {
    const row = await this.#db.selectFrom('counters').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value ?? 0;
  }
}
