/**
 * Valid records and one wrong value per field: the collector's hostile-input set plus edge
 * values. Shared by the fast-path check's test and the proxy's JSON writer's test, which must
 * settle exactly the same records as each other and as the zod schema.
 */
export const BASE_RECORD = {
  record_id: 'r-1', request_id: 'req-1', node_id: 'worker-0', worker_url: 'http://127.0.0.1:30001', routing_policy: 'cache_aware',
  status: 'completed', timestamp: '2026-11-21T10:00:00Z',
};

export const FULL_RECORD = {
  ...BASE_RECORD, duration_ms: 12.5, ttft_ms: 3, http_status: 200, stream: true, method: 'POST', path: '/generate', model: 'm', prompt_tokens: 10,
  completion_tokens: 2, cached_tokens: 4, cache_hit: true, cache_hit_rate: 0.4, queue_size: 0, worker_load: 1, prefix_match_rate: 0.5,
  attempts: 1, error: null, proxy_id: 'p', attribution: 'proxy', dp_rank: 3, decision: 'tree_match', candidate_loads: { 'worker-0': 1, 'worker-1': 0 },
};

export const VALID_RECORDS: Array<Record<string, unknown>> = [
  BASE_RECORD, FULL_RECORD, { ...FULL_RECORD, timestamp: 1_795_300_000_000 }, { ...FULL_RECORD, cached_tokens: 500 }, { ...BASE_RECORD, node_id: 'gpu-\ud83d\ude80' },
  { ...FULL_RECORD, stream: null, cache_hit: null, candidate_loads: null },
  { ...FULL_RECORD, request_id: 'a"b\\c', model: 'quote " and \\ and \n newline', path: '/p?q="1"' },
  { ...FULL_RECORD, error: 'e'.repeat(2048), candidate_loads: { 'a"b': 2 } },
];

export const WRONG_VALUES: Record<string, unknown[]> = {
  record_id: [null, '', 5, 'r'.repeat(65)], request_id: ['', 'a\nb', 'caf\u00e9', 'x'.repeat(257), '\ud800'], node_id: ['', 'n'.repeat(129), 'a\u0000', '\udfff'],
  worker_url: ['', 'not a url', 'ftp://x', 12], routing_policy: ['', 'p'.repeat(65)], status: ['done', 'Completed'],
  timestamp: ['yesterday', '2026-01-01T00:00:00', -1, 1.5, 1e20, null, true, Number.POSITIVE_INFINITY], duration_ms: [-1, '5', Number.POSITIVE_INFINITY, Number.NaN],
  http_status: [99, 600, 200.5], stream: ['yes', 1], prompt_tokens: [-1, 1.5, 2 ** 60], cached_tokens: [-5, 'x'], cache_hit_rate: [1.01, -0.01, Number.NaN],
  attempts: [0, 1.5], error: ['e'.repeat(2049)], proxy_id: ['p'.repeat(257), 'a\u0000'], attribution: ['guess'], dp_rank: [-1, 65536, 0.5],
  decision: ['Tree', 'x'.repeat(33), '1abc'], candidate_loads: [[1], { '': 1 }, { a: -1 }, { a: 1.5 }, Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`n${i}`, 1]))],
  method: ['M'.repeat(17)], model: ['m'.repeat(257)],
};

/**
 * `base` with one wrong value at a time, labelled `field=value`, each checked here to be refused
 * by the zod schema (the contract every faster check is held to).
 */
export function wrongRecords(base: Record<string, unknown>, refusedBySchema: (record: Record<string, unknown>) => boolean): Array<{ label: string; record: Record<string, unknown> }> {
  return Object.entries(WRONG_VALUES).flatMap(([field, values]) =>
    values.map((value) => {
      const record = { ...base, [field]: value };
      if (!refusedBySchema(record)) throw new Error(`the schema accepts ${field}=${String(value)}: not a wrong value`);
      return { label: `${field}=${String(value).slice(0, 20)}`, record };
    }),
  );
}
