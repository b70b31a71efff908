import type { Kysely } from 'kysely';
import type { StoredTrace } from '#shared/api-types.js';
import { rowToTrace } from '../store/row-mapping.js';
import type { StoreSchema } from '../store/schema.js';
import type { StreamFilter } from './stream-filter.js';

/**
 * The records a resuming client missed: seq > `afterSeq`, oldest first, one page at a time
 * (the list API pages the other way, newest first). Uses the seq primary key, so each page
 * costs a range scan from the cursor, however old the cursor is.
 */
export async function replayPage(db: Kysely<StoreSchema>, afterSeq: number, filter: StreamFilter, pageSize: number): Promise<StoredTrace[]> {
  let query = db.selectFrom('traces').selectAll().where('seq', '>', afterSeq);
  if (filter.nodeId !== undefined) query = query.where('node_id', '=', filter.nodeId);
  if (filter.workerUrl !== undefined) query = query.where('worker_url', '=', filter.workerUrl);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.routingPolicy !== undefined) query = query.where('routing_policy', '=', filter.routingPolicy);
  if (filter.requestId !== undefined) query = query.where('request_id', '=', filter.requestId);
  if (filter.decision !== undefined) query = query.where('decision', '=', filter.decision);
  const rows = await query.orderBy('seq', 'asc').limit(pageSize).execute();
  return rows.map(rowToTrace);
}
