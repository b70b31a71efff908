import { describe, expect, it } from 'vitest';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import { validateRecord } from '#shared/record.js';
import { FULL_RECORD, VALID_RECORDS, wrongRecords } from '../helpers/record-samples.js';

// An unknown field is dropped by both checks: every record here carries one.
const full = { ...FULL_RECORD, unknown_field: 'dropped' };
const VALID = [...VALID_RECORDS, full];

describe('fastValidateRecord (the collector\'s hot-path check)', () => {
  it('accepts every valid record with exactly the output and clamping of the zod schema', () => {
    for (const record of VALID) {
      const fast = fastValidateRecord(structuredClone(record));
      expect(fast).toBeDefined();
      expect(fast).toEqual(validateRecord(structuredClone(record)));
    }
  });

  it('never accepts what the zod schema refuses: each wrong value falls through to the schema', () => {
    const wrong = wrongRecords(full, (record) => !validateRecord(record).ok);
    expect(wrong.filter(({ record }) => fastValidateRecord(record) !== undefined).map(({ label }) => label)).toEqual([]);
    for (const notARecord of [null, [], 'x', 5]) expect(fastValidateRecord(notARecord)).toBeUndefined();
  });
});
