import { unpackBatch, type IngestResult } from '#shared/batch.js';
import { RoutetraceError } from '#shared/errors.js';
import { validateRecord } from '#shared/record.js';
import { toIso } from '#shared/time.js';
import { columnAt, encodeRows, recordToRow, type InsertRow } from '../store/row-mapping.js';
import type { MappedBatch } from '../store/trace-store.js';
import { fastRow } from './fast-row.js';

const TIMESTAMP_AT = columnAt('timestamp_ms');

/** A batch checked and mapped: what is stored, and what is answered about the rest. */
export interface CheckedBatch {
  batch: MappedBatch;
  rejected: IngestResult['rejected'];
}

/** Where a body's first character that is not JSON whitespace (RFC 8259 §2) is, or -1. */
function firstSignificant(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return -1;
}

/**
 * The body as JSON. Like body-parser's strict mode, which ingest used before: an empty body is
 * `{}` (then refused as a record with no fields), and only an object or an array is accepted.
 */
function parseBody(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (text.length === 0) return {};
  const first = firstSignificant(text);
  const opener = first === -1 ? '' : text[first];
  if (opener !== '{' && opener !== '[') {
    const found = first === -1 ? 'only whitespace' : `${JSON.stringify(text.slice(first, first + 16))} at position ${first}`;
    throw new RoutetraceError('invalid_json', `body is not valid JSON: expected an object or an array, found ${found}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RoutetraceError('invalid_json', `body is not valid JSON: ${error instanceof Error ? error.message : 'parse failed'}`);
  }
}

/**
 * Parses, validates and maps one ingest body (`POST /v1/traces`: one record, an array, or
 * `{"records", "proxy_id", "dropped"}`), on the ingest thread (ingest-worker.ts). Invalid
 * records are listed by index and never stored; a body that is not a batch throws
 * invalid_json or invalid_batch.
 */
export function checkBatch(text: string | undefined, maxClockSkewSeconds: number, receivedMs: number): CheckedBatch {
  const unpacked = unpackBatch(parseBody(text));
  if (!unpacked.ok) throw new RoutetraceError('invalid_batch', unpacked.error);

  // A timestamp from a skewed clock far in the future would never expire and would pin
  // `newest` and the top of every page (issue 14 item 7).
  const latestMs = receivedMs + maxClockSkewSeconds * 1000;
  const rows: InsertRow[] = [];
  const rejected: IngestResult['rejected'] = [];
  let clamped = 0;
  unpacked.records.forEach((candidate, index) => {
    // The fast check accepts what the schema accepts; anything else gets the schema's verdict and messages.
    let checked = fastRow(candidate, receivedMs, unpacked.proxyId);
    if (checked === undefined) {
      const result = validateRecord(candidate);
      if (!result.ok) {
        rejected.push({ index, error: result.error });
        return;
      }
      checked = { row: recordToRow(result.record, receivedMs, unpacked.proxyId), clamped: result.clamped };
    }
    const timestamp = Number(checked.row[TIMESTAMP_AT]);
    if (timestamp > latestMs) {
      rejected.push({
        index,
        error: `timestamp: ${toIso(timestamp)} is more than ${maxClockSkewSeconds} s ahead of the collector's clock (${toIso(receivedMs)}); check the sender's clock`,
      });
      return;
    }
    rows.push(checked.row);
    if (checked.clamped) clamped += 1;
  });
  const meta = { receivedMs, proxyId: unpacked.proxyId, dropped: unpacked.dropped, clampedCachedTokens: clamped };
  return { batch: { rowsJson: encodeRows(rows), count: rows.length, meta }, rejected };
}
