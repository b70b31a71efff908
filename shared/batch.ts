import type { RoutingRecordInput } from './record.js';
import { isRecord } from './guards.js';

/**
 * What `POST /v1/traces` accepts: one record, an array of records, or the envelope a proxy
 * sends. `dropped` is how many records that proxy dropped since its previous accepted batch.
 */
export interface BatchEnvelope {
  records: RoutingRecordInput[];
  proxy_id?: string;
  dropped?: number;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; error: string }>;
}

/** The ingest body, unpacked: records still unvalidated, envelope fields checked. */
export type UnpackedBatch =
  | { ok: true; records: unknown[]; proxyId: string | undefined; dropped: number }
  | { ok: false; error: string };

/**
 * The largest `dropped` one envelope may report: a proxy drops at most its queue per batch
 * interval, and a larger figure would push the counter past 2^53 (issue 14 item 9).
 */
export const MAX_DROPPED_PER_BATCH = 1_000_000_000;

export function unpackBatch(body: unknown): UnpackedBatch {
  if (Array.isArray(body)) return { ok: true, records: body, proxyId: undefined, dropped: 0 };
  if (!isRecord(body)) return { ok: false, error: 'expected a record, an array of records or {"records": [...]}' };
  if (!Object.hasOwn(body, 'records')) return { ok: true, records: [body], proxyId: undefined, dropped: 0 };

  const { records, proxy_id: proxyId, dropped } = body;
  if (!Array.isArray(records)) return { ok: false, error: 'records: must be an array' };
  if (proxyId !== undefined && proxyId !== null && (typeof proxyId !== 'string' || proxyId.length > 256)) {
    return { ok: false, error: 'proxy_id: must be a string of at most 256 characters' };
  }
  if (dropped !== undefined && dropped !== null && !(Number.isSafeInteger(dropped) && Number(dropped) >= 0 && Number(dropped) <= MAX_DROPPED_PER_BATCH)) {
    return { ok: false, error: `dropped: must be an integer from 0 to ${MAX_DROPPED_PER_BATCH}` };
  }
  return {
    ok: true,
    records,
    proxyId: typeof proxyId === 'string' ? proxyId : undefined,
    dropped: typeof dropped === 'number' ? dropped : 0,
  };
}
