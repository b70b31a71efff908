import { describe, expect, it } from 'vitest';
import { validateRecord } from '#shared/record.js';
import { fastRow } from '../../collector/ingest/fast-row.js';
import { columnAt, recordToRow } from '../../collector/store/row-mapping.js';
import { BASE_RECORD, FULL_RECORD, VALID_RECORDS, wrongRecords } from '../helpers/record-samples.js';

const RECEIVED_MS = 1_795_300_000_123;

// An unknown field is dropped by both paths: every record here carries one.
const VALID = [
  ...VALID_RECORDS,
  { ...FULL_RECORD, unknown_field: 'dropped' },
  // No proxy_id of its own: the envelope's is stored.
  { ...FULL_RECORD, proxy_id: undefined },
  { ...FULL_RECORD, proxy_id: '' },
  { ...BASE_RECORD, prompt_tokens: 3, cached_tokens: 3 },
  { ...BASE_RECORD, prompt_tokens: null, cached_tokens: 9 },
  { ...FULL_RECORD, duration_ms: 0, ttft_ms: null, queue_size: null, stream: false, cache_hit: false, candidate_loads: {} },
];

describe('fastRow (ingest\'s row built straight from the parsed JSON)', () => {
  it('gives every valid record exactly the row and the clamping the zod schema and recordToRow give', () => {
    for (const record of VALID) {
      for (const fallback of [undefined, 'envelope-proxy']) {
        const schema = validateRecord(structuredClone(record));
        if (!schema.ok) throw new Error(schema.error);
        expect(fastRow(structuredClone(record), RECEIVED_MS, fallback)).toEqual({ row: recordToRow(schema.record, RECEIVED_MS, fallback), clamped: schema.clamped });
      }
    }
  });

  it('clamps cached_tokens above prompt_tokens to prompt_tokens in the row, and says so', () => {
    const fast = fastRow({ ...FULL_RECORD, prompt_tokens: 10, cached_tokens: 500 }, RECEIVED_MS, undefined);
    expect({ clamped: fast?.clamped, prompt: fast?.row[columnAt('prompt_tokens')], cached: fast?.row[columnAt('cached_tokens')] }).toEqual({ clamped: true, prompt: 10, cached: 10 });
  });

  it('never vouches for what the zod schema refuses: each wrong value falls through to the schema', () => {
    const wrong = wrongRecords(FULL_RECORD, (record) => !validateRecord(record).ok);
    expect(wrong.filter(({ record }) => fastRow(record, RECEIVED_MS, undefined) !== undefined).map(({ label }) => label)).toEqual([]);
    for (const notARecord of [null, [], 'x', 5]) expect(fastRow(notARecord, RECEIVED_MS, undefined)).toBeUndefined();
  });
});
