import { validateRecord, type RoutingRecordInput } from '#shared/record.js';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import type { RecordSlab } from './record-slab.js';

/** A queued record: its JSON bytes (written and checked at enqueue), or the object when recordJson could not vouch for it. */
export type QueuedRecord = Uint8Array | RoutingRecordInput;

/** A record as the queue holds it: its JSON bytes when recordJson vouches for it, else the object, checked when its batch is taken. */
export function queuedRecord(record: RoutingRecordInput, slab: RecordSlab): QueuedRecord {
  return slab.write(record) ?? record;
}

/**
 * The records of a batch as JSON bytes, and a count of those the shared schema refuses (with the
 * first error), so the proxy never sends a record the collector would refuse. Most records come
 * as bytes already: recordJson checked them as it wrote them, at enqueue, and they waited as
 * bytes in a slab (a record's text built by concatenation is a chain of small heap strings, and
 * holding those, or the record objects, until the next POST cost more in GC than writing them,
 * measured). Only what recordJson cannot vouch for waits as an object and gets the collector's
 * fast check here, then zod (which also writes the error message); it is still in the queue, so
 * a full queue drops it like any other.
 */
export function checkRecords(records: readonly QueuedRecord[]): { valid: Uint8Array[]; invalid: number; firstError: string | undefined } {
  const valid: Uint8Array[] = [];
  let invalid = 0;
  let firstError: string | undefined;
  for (const record of records) {
    // Bytes: written and checked at enqueue (or a batch put back for a retry).
    if (record instanceof Uint8Array) {
      valid.push(record);
      continue;
    }
    const check = fastValidateRecord(record) ?? validateRecord(record);
    if (check.ok) valid.push(Buffer.from(JSON.stringify(record)));
    else {
      invalid++;
      firstError ??= check.error;
    }
  }
  return { valid, invalid, firstError };
}
