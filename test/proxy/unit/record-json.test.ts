import { describe, expect, it } from 'vitest';
import { validateRecord } from '#shared/record.js';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import { recordJson } from '../../../proxy/export/record-json.js';
import { buildRecord, type RecordFacts } from '../../../proxy/forward/record-builder.js';

// The same sets as test/shared/record-fast-path.test.ts: the writer must settle exactly what the fast check settles.
const base = {
  record_id: 'r-1', request_id: 'req-1', node_id: 'worker-0', worker_url: 'http://127.0.0.1:30001', routing_policy: 'cache_aware',
  status: 'completed', timestamp: '2026-11-21T10:00:00Z',
};
const full = {
  ...base, duration_ms: 12.5, ttft_ms: 3, http_status: 200, stream: true, method: 'POST', path: '/generate', model: 'm', prompt_tokens: 10,
  completion_tokens: 2, cached_tokens: 4, cache_hit: true, cache_hit_rate: 0.4, queue_size: 0, worker_load: 1, prefix_match_rate: 0.5,
  attempts: 1, error: null, proxy_id: 'p', attribution: 'proxy', dp_rank: 3, decision: 'tree_match', candidate_loads: { 'worker-0': 1, 'worker-1': 0 },
};
const VALID: Array<Record<string, unknown>> = [
  base, full, { ...full, timestamp: 1_795_300_000_000 }, { ...full, cached_tokens: 500 }, { ...base, node_id: 'gpu-\ud83d\ude80' },
  { ...full, stream: null, cache_hit: null, candidate_loads: null }, { ...full, request_id: 'a"b\\c', model: 'quote " and \\ and \n newline', path: '/p?q="1"' },
  { ...full, error: 'e'.repeat(2048), candidate_loads: { 'a"b': 2 } },
];
const WRONG: Record<string, unknown[]> = {
  record_id: [null, '', 5, 'r'.repeat(65)], request_id: ['', 'a\nb', 'caf\u00e9', 'x'.repeat(257), '\ud800'], node_id: ['', 'n'.repeat(129), 'a\u0000', '\udfff'],
  worker_url: ['', 'not a url', 'ftp://x', 12], routing_policy: ['', 'p'.repeat(65)], status: ['done', 'Completed'],
  timestamp: ['yesterday', '2026-01-01T00:00:00', -1, 1.5, 1e20, null, true, Number.POSITIVE_INFINITY], duration_ms: [-1, '5', Number.POSITIVE_INFINITY, Number.NaN],
  http_status: [99, 600, 200.5], stream: ['yes', 1], prompt_tokens: [-1, 1.5, 2 ** 60], cached_tokens: [-5, 'x'], cache_hit_rate: [1.01, -0.01, Number.NaN],
  attempts: [0, 1.5], error: ['e'.repeat(2049)], proxy_id: ['p'.repeat(257), 'a\u0000'], attribution: ['guess'], dp_rank: [-1, 65536, 0.5],
  decision: ['Tree', 'x'.repeat(33), '1abc'], candidate_loads: [[1], { '': 1 }, { a: -1 }, { a: 1.5 }, Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`n${i}`, 1]))],
  method: ['M'.repeat(17)], model: ['m'.repeat(257)],
};

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
    const written: string[] = [];
    for (const [field, values] of Object.entries(WRONG)) {
      for (const value of values) {
        const record = { ...full, [field]: value };
        expect(validateRecord(record).ok).toBe(false);
        if (recordJson(record as never) !== undefined) written.push(`${field}=${String(value).slice(0, 20)}`);
      }
    }
    expect(written).toEqual([]);
  });

  it('settles what the collector\'s fast check settles, value for value', () => {
    for (const record of [...VALID, ...Object.entries(WRONG).flatMap(([field, values]) => values.map((value) => ({ ...full, [field]: value })))]) {
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
