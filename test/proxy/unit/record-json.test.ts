import { describe, expect, it } from 'vitest';
import { validateRecord } from '#shared/record.js';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import type { RoutingRecordInput } from '#shared/record.js';
import { recordJson } from '../../../proxy/export/record-json.js';
import { checkRecords } from '../../../proxy/export/source-check.js';
import { buildRecord, type RecordFacts } from '../../../proxy/forward/record-builder.js';
import { BASE_RECORD, FULL_RECORD, VALID_RECORDS, wrongRecords } from '../../helpers/record-samples.js';

// The same sets as test/shared/record-fast-path.test.ts: the writer must settle exactly what the fast check settles.
const full = FULL_RECORD;
const VALID = VALID_RECORDS;

const facts: RecordFacts = {
  requestId: 'gnt-abc', method: 'POST', path: '/generate', timestamp: 1_760_000_000_000, startedAt: 1000, firstByteAt: 1012.5, httpStatus: 200,
  stream: false, requestModel: 'm-from-request', usage: { promptTokens: 100, completionTokens: 7, cachedTokens: 40, model: 'm-from-answer' },
  served: { nodeId: 'worker-1', url: 'http://127.0.0.1:9001', attribution: 'proxy' }, attributed: undefined, queueSize: 2, workerLoad: 3,
  prefixMatchRate: 0.5, decision: 'tree_match', candidateLoads: { 'worker-0': 4, 'worker-1': 2 }, attempts: 1,
};
const settings = { routingPolicy: 'cache_aware', proxyId: 'proxy-a', selfUrl: 'http://127.0.0.1:30009' };

describe('recordJson (a record written as JSON once, at enqueue)', () => {
  it('writes every valid record as JSON that parses to what JSON.stringify gives, and the schema gives the same record for both', () => {
    for (const record of VALID) {
      const json = recordJson(structuredClone(record) as never);
      expect(json).toBeDefined();
      const parsed: unknown = JSON.parse(json ?? 'null');
      expect(parsed).toEqual(JSON.parse(JSON.stringify(record)));
      expect(validateRecord(parsed)).toEqual(validateRecord(structuredClone(record)));
    }
  });

  it('never writes a record the schema refuses: each wrong value is left to the schema check', () => {
    const wrong = wrongRecords(full, (record) => !validateRecord(record).ok);
    expect(wrong.filter(({ record }) => recordJson(record as never) !== undefined).map(({ label }) => label)).toEqual([]);
  });

  it('settles what the collector\'s fast check settles, value for value', () => {
    for (const record of [...VALID, ...wrongRecords(full, (candidate) => !validateRecord(candidate).ok).map((wrong) => wrong.record)]) {
      expect(recordJson(record as never) !== undefined).toBe(fastValidateRecord(record) !== undefined);
    }
  });

  it('keeps the record builder\'s output valid against the shared schema, field for field', () => {
    const outcomes = [
      buildRecord(facts, { status: 'completed', error: undefined }, settings, '019aa3c4-1234-7abc-8def-0123456789ab', 1040.25),
      buildRecord({ ...facts, served: undefined, attempts: 0, usage: undefined, firstByteAt: undefined, httpStatus: 503 }, { status: 'failed', error: 'none of the 2 workers is healthy' }, settings, 'rec-3', 1001),
      buildRecord(
        { ...facts, usage: { promptTokens: 10, cachedTokens: 500 }, served: { nodeId: 'n'.repeat(300), url: 'http://127.0.0.1:9001', attribution: 'header', dpRank: 2, attempts: 3 } },
        { status: 'failed', error: 'e'.repeat(5000) },
        settings,
        'rec-4',
        1001,
      ),
    ];
    for (const record of outcomes) {
      const json = recordJson(record);
      expect(json).toBeDefined();
      const parsed: unknown = JSON.parse(json ?? 'null');
      expect(parsed).toEqual(JSON.parse(JSON.stringify(record)));
      expect(validateRecord(parsed)).toEqual(validateRecord(record));
    }
  });
});

describe('records with keys outside the contract', () => {
  it('checkRecords sends a valid record with an unknown JSON key as it is, and counts one JSON cannot hold as invalid instead of throwing', () => {
    const extra = { ...BASE_RECORD, note: 'kept' } as unknown as RoutingRecordInput;
    const bigint = { ...BASE_RECORD, note: 1n } as unknown as RoutingRecordInput;
    const { valid, invalid, firstError } = checkRecords([extra, bigint]);
    expect({ valid: valid.map((json) => JSON.parse(json) as unknown), invalid, firstError }).toEqual({ valid: [{ ...BASE_RECORD, note: 'kept' }], invalid: 1, firstError: 'record cannot be written as JSON' });
  });
});
