import type { StoredTrace } from '#shared/api-types.js';
import { rowToTrace } from '../store/row-mapping.js';
import type { TraceRow } from '../store/schema.js';
import type { SqlParam, SqlRunner } from './sql-runner.js';

/** A validated `GET /v1/traces` query (see routes/traces.ts for the parameter rules). */
export interface TraceFilter {
  limit: number;
  /** Only records with a smaller seq: the cursor for walking back through history. */
  beforeSeq?: number;
  nodeId?: string;
  workerUrl?: string;
  status?: string;
  routingPolicy?: string;
  requestId?: string;
  /** The routing decision branch (`tree_match`, …). */
  decision?: string;
  /** Inclusive lower bound on the routing timestamp, epoch ms. */
  sinceMs?: number;
  /** Exclusive upper bound on the routing timestamp, epoch ms. */
  untilMs?: number;
}

/** The equality filters the live tail's resume (and its live matching) applies. */
export type ReplayFilter = Pick<TraceFilter, 'nodeId' | 'workerUrl' | 'status' | 'routingPolicy' | 'requestId' | 'decision'>;

/** Newest first (by seq, the order the collector stored them). */
export async function listTraces(sql: SqlRunner, filter: TraceFilter): Promise<StoredTrace[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const add = (clause: string, value: SqlParam | undefined): void => {
    if (value === undefined) return;
    where.push(clause);
    params.push(value);
  };
  add('seq < ?', filter.beforeSeq);
  add('node_id = ?', filter.nodeId);
  add('worker_url = ?', filter.workerUrl);
  add('status = ?', filter.status);
  // Matches the partial index traces_unsuccessful (migration 005) literally, which is how
  // SQLite decides a partial index applies: `status=failed` at 0.1% failures then reads ~100
  // index entries instead of walking the newest rows until 100 failures turn up.
  if (filter.status !== undefined && filter.status !== 'completed') where.push("status <> 'completed'");
  add('routing_policy = ?', filter.routingPolicy);
  add('request_id = ?', filter.requestId);
  add('decision = ?', filter.decision);
  add('timestamp_ms >= ?', filter.sinceMs);
  add('timestamp_ms < ?', filter.untilMs);
  const text = `SELECT * FROM traces${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
  return ((await sql.all(text, [...params, filter.limit])) as TraceRow[]).map(rowToTrace);
}

/** Every record with that request id (or the latest `limit`), newest first. */
export async function tracesByRequestId(sql: SqlRunner, requestId: string, limit: number | undefined): Promise<StoredTrace[]> {
  // No LIMIT clause at all when unbounded: SQLite's `LIMIT -1` is an error in PostgreSQL.
  const rows = limit === undefined
    ? await sql.all('SELECT * FROM traces WHERE request_id = ? ORDER BY seq DESC', [requestId])
    : await sql.all('SELECT * FROM traces WHERE request_id = ? ORDER BY seq DESC LIMIT ?', [requestId, limit]);
  return (rows as TraceRow[]).map(rowToTrace);
}

/**
 * The records a resuming live-tail client missed: seq > `afterSeq`, oldest first, one page at a
 * time (the list API pages the other way, newest first). Uses the seq primary key, so each page
 * costs a range scan from the cursor, however old the cursor is.
 */
export async function replayPage(sql: SqlRunner, afterSeq: number, filter: ReplayFilter, pageSize: number): Promise<StoredTrace[]> {
  const where = ['seq > ?'];
  const params: SqlParam[] = [afterSeq];
  const add = (column: string, value: string | undefined): void => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  add('node_id', filter.nodeId);
  add('worker_url', filter.workerUrl);
  add('status', filter.status);
  add('routing_policy', filter.routingPolicy);
  add('request_id', filter.requestId);
  add('decision', filter.decision);
  const text = `SELECT * FROM traces WHERE ${where.join(' AND ')} ORDER BY seq ASC LIMIT ?`;
  return ((await sql.all(text, [...params, pageSize])) as TraceRow[]).map(rowToTrace);
}
