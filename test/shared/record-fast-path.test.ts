import { describe, expect, it } from 'vitest';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import { validateRecord } from '#shared/record.js';

const base = {
  record_id: 'r-1', request_id: 'req-1', node_id: 'worker-0', worker_url: 'http://127.0.0.1:30001', routing_policy: 'cache_aware',
  status: 'completed', timestamp: '2026-11-21T10:00:00Z',
};
const full = {
  ...base, duration_ms: 12.5, ttft_ms: 3, http_status: 200, stream: true, method: 'POST', path: '/generate', model: 'm', prompt_tokens: 10,
  completion_tokens: 2, cached_tokens: 4, cache_hit: true, cache_hit_rate: 0.4, queue_size: 0, worker_load: 1, prefix_match_rate: 0.5,
  attempts: 1, error: null, proxy_id: 'p', attribution: 'proxy', dp_rank: 3, decision: 'tree_match', candidate_loads: { 'worker-0': 1, 'worker-1': 0 },
  unknown_field: 'dropped',
};

/** Valid records, and one wrong value per field (the collector's hostile-input set, plus edge values). */
const VALID: Array<Record<string, unknown>> = [base, full, { ...full, timestamp: 1_795_300_000_000 }, { ...full, cached_tokens: 500 }, { ...base, node_id: 'gpu-\ud83d\ude80' }, { ...full, stream: null, cache_hit: null, candidate_loads: null }];
const WRONG: Record<string, unknown[]> = {
  record_id: [null, '', 5, 'r'.repeat(65)], request_id: ['', 'a\nb', 'caf\u00e9', 'x'.repeat(257), '\ud800'], node_id: ['', 'n'.repeat(129), 'a\u0000', '\udfff'],
  worker_url: ['', 'not a url', 'ftp://x', 12], routing_policy: ['', 'p'.repeat(65)], status: ['done', 'Completed'],
  timestamp: ['yesterday', '2026-01-01T00:00:00', -1, 1.5, 1e20, null, true, Number.POSITIVE_INFINITY], duration_ms: [-1, '5', Number.POSITIVE_INFINITY, Number.NaN],
  http_status: [99, 600, 200.5], stream: ['yes', 1], prompt_tokens: [-1, 1.5, 2 ** 60], cached_tokens: [-5, 'x'], cache_hit_rate: [1.01, -0.01, Number.NaN],
  attempts: [0, 1.5], error: ['e'.repeat(2049)], proxy_id: ['p'.repeat(257), 'a\u0000'], attribution: ['guess'], dp_rank: [-1, 65536, 0.5],
  decision: ['Tree', 'x'.repeat(33), '1abc'], candidate_loads: [[1], { '': 1 }, { a: -1 }, { a: 1.5 }, Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`n${i}`, 1]))],
  method: ['M'.repeat(17)], model: ['m'.repeat(257)],
};

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
