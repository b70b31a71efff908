import { validateRecord, type RoutingRecordInput } from '#shared/record.js';
import { fastValidateRecord } from '#shared/record-fast-path.js';

/**
 * Splits records into those the shared schema accepts and a count of the rest (with the first
 * error), so the proxy never sends a record the collector would refuse. The collector's fast
 * check first (it accepts only what the schema accepts); zod only for what it does not settle,
 * which also writes the error message.
 */
export function checkRecords(records: readonly RoutingRecordInput[]): { valid: RoutingRecordInput[]; invalid: number; firstError: string | undefined } {
  const valid: RoutingRecordInput[] = [];
  let invalid = 0;
  let firstError: string | undefined;
  for (const record of records) {
    const check = fastValidateRecord(record) ?? validateRecord(record);
    if (check.ok) valid.push(record);
    else {
      invalid++;
      firstError ??= check.error;
    }
  }
  return { valid, invalid, firstError };
}
