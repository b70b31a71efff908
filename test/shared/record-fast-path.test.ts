import { describe, expect, it } from 'vitest';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import { validateRecord } from '#shared/record.js';
import { FULL_RECORD, VALID_RECORDS, WRONG_VALUES } from '../helpers/record-samples.js';

// An unknown field is dropped by both checks: every record here carries one.
const full = { ...FULL_RECORD, unknown_field: 'dropped' };
const VALID = [...VALID_RECORDS, full];
const WRONG = WRONG_VALUES;

describe('fastValidateRecord (the collector\'s hot-path check)', () => {
  it('accepts every valid record with exactly the output and clamping of the zod schema', () => {
    for (const record of VALID) {
      const fast = fastValidateRecord(structuredClone(record));
      expect(fast).toBeDefined();
      expect(fast).toEqual(validateRecord(structuredClone(record)));
    }
  });

  it('never accepts what the zod schema refuses: each wrong value falls through to the schema', () => {
    const accepted: string[] = [];
    for (const [field, values] of Object.entries(WRONG)) {
      for (const value of values) {
        const record = { ...full, [field]: value };
        expect(validateRecord(record).ok).toBe(false);
        if (fastValidateRecord(record) !== undefined) accepted.push(`${field}=${String(value).slice(0, 20)}`);
      }
    }
    expect(accepted).toEqual([]);
    for (const notARecord of [null, [], 'x', 5]) expect(fastValidateRecord(notARecord)).toBeUndefined();
  });
});
