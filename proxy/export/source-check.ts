import { validateRecord, type RoutingRecordInput } from '#shared/record.js';
import { fastValidateRecord } from '#shared/record-fast-path.js';

/** A queued record: its JSON text (checked when written, see record-json.ts), or an object not yet checked. */
export type Queued = string | RoutingRecordInput;

/**
 * The records of a batch as JSON text, and a count of those the shared schema refuses (with the
 * first error), so the proxy never sends a record the collector would refuse. Text was checked
 * when written; an object gets the collector's fast check, then zod for what that does not
 * settle (zod also writes the error message).
 */
export function checkRecords(records: readonly Queued[]): { valid: string[]; invalid: number; firstError: string | undefined } {
  const valid: string[] = [];
  let invalid = 0;
  let firstError: string | undefined;
  for (const record of records) {
    if (typeof record === 'string') {
      valid.push(record);
      continue;
    }
    const check = fastValidateRecord(record) ?? validateRecord(record);
    if (check.ok) valid.push(JSON.stringify(record));
    else {
      invalid++;
      firstError ??= check.error;
    }
  }
  return { valid, invalid, firstError };
}
