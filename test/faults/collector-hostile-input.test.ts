import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, type ErrorCode } from '#shared/errors.js';
import { startTestCollector } from '../helpers/collector.js';
import { request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

interface HostileCase {
  name: string;
  /** The exact error code this input must get. */
  code: ErrorCode;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const json = { 'content-type': 'application/json' };
const valid = (): Record<string, unknown> => ({ ...makeRecord() });

function generateCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const post = (name: string, code: ErrorCode, body: string, headers: Record<string, string> = json): void => {
    cases.push({ name, code, method: 'POST', path: '/v1/traces', headers, body });
  };

  // Malformed JSON.
  for (const text of ['{', '}', '[', '{"a":', '{"a" 1}', "{'a': 1}", '{"a": 1,}', '[1, 2', 'NaN', '{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}', '{"x": undefined}',
    '// comment\n{}', '\u0000', 'null x', '"unterminated', '{"a": "\\q"}', '{"a": 01}', '{"a": .5}', '{"a": 1e}', 'tru', '{"a":[}]}', '\ufeff{"a":1', '{"a": "\u0001"}x']) {
    post(`malformed JSON ${JSON.stringify(text).slice(0, 30)}`, 'invalid_json', text);
  }
  // JSON that is not a batch.
  for (const text of ['42', '"text"', 'true', 'null', '{"records": 5}', '{"records": {}}', '{"records": "x"}', '{"records": [], "dropped": -1}', '{"records": [], "dropped": 1.5}',
    '{"records": [], "dropped": "3"}', '{"records": [], "dropped": 9007199254740993}', '{"records": [], "dropped": 1000000001}', '{"records": [], "proxy_id": 7}', `{"records": [], "proxy_id": "${'p'.repeat(300)}"}`, '[]x']) {
    // express.json's strict mode refuses bare primitives (and trailing text) as JSON.
    post(`not a batch ${text.slice(0, 30)}`, /^(42|"text"|true|null|\[\]x)$/.test(text) ? 'invalid_json' : 'invalid_batch', text);
  }
  // Each field with wrong types and out-of-range values.
  const wrong: Record<string, unknown[]> = {
    record_id: [null, '', 5, 'r'.repeat(65), [], {}], request_id: [null, '', 'a\nb', 'tab\tid', 'caf\u00e9', 'x'.repeat(257), 7, '\ud800'],
    node_id: ['', 'n'.repeat(129), false, 'gpu\u00000', 'gpu-\ud800', '\udfff'], worker_url: ['', 'not a url', 'ftp://x', 'javascript:alert(1)', 'http://', 12],
    routing_policy: ['', 'p'.repeat(65), null], status: ['done', '', 'COMPLETED', 1, null],
    timestamp: ['yesterday', '2026-13-45T00:00:00Z', '2026-01-01T00:00:00', -1, 1.5, 1e20, '', null, true, '9999-12-31T23:59:59Z', 253402300799999],
    duration_ms: [-1, '5', Number.POSITIVE_INFINITY, true], ttft_ms: [-0.1, 'fast'], http_status: [99, 600, 200.5, '200'], stream: ['yes', 1],
    prompt_tokens: [-1, 1.5, '3', 2 ** 60], cached_tokens: [-5, 'x'], cache_hit: ['true', 0], cache_hit_rate: [1.01, -0.01, '0.5', Number.POSITIVE_INFINITY],
    queue_size: [-1, 0.5], worker_load: [-2], prefix_match_rate: [2], attempts: [0, -1, 1.5], error: ['e'.repeat(2049), 5],
    proxy_id: ['p'.repeat(257)], attribution: ['guess', 5], method: ['M'.repeat(17)], model: ['m'.repeat(257)],
  };
  for (const [field, values] of Object.entries(wrong)) {
    for (const value of values) {
      const record = { ...valid(), [field]: value };
      // 1e400 cannot be written by JSON.stringify (it would print null): splice it in as text.
      const text = value === Number.POSITIVE_INFINITY ? JSON.stringify({ ...record, [field]: 0 }).replace(`"${field}":0`, `"${field}":1e400`) : JSON.stringify([record]);
      post(`${field} = ${String(JSON.stringify(value)).slice(0, 20)}`, 'no_valid_records', text);
    }
  }
  // Missing required fields, one at a time.
  for (const field of ['record_id', 'request_id', 'node_id', 'worker_url', 'routing_policy', 'status', 'timestamp']) {
    const record = valid();
    delete record[field];
    post(`missing ${field}`, 'no_valid_records', JSON.stringify({ records: [record] }));
  }
  // Records that are not records.
  for (const text of ['[[]]', '[null]', '[1, "a", true]', '{"records": [[]]}', '{"records": [null, null]}', '{"records": [{}]}', '[{}, {}, {}]', `[${JSON.stringify([valid()])}]`]) {
    post(`not records ${text.slice(0, 30)}`, 'no_valid_records', text);
  }
  // Enum look-alikes.
  for (const status of ['completed\u0000', 'completed ', ' completed', 'Completed', '\uff43\uff4f\uff4d\uff50\uff4c\uff45\uff54\uff45\uff44', 'complete', 'failed\n', 'timeout;']) {
    post(`status look-alike ${status}`, 'no_valid_records', JSON.stringify([{ ...valid(), status }]));
  }
  for (const attribution of ['Proxy', 'header ', 'routers', '']) post(`attribution look-alike ${attribution}`, 'no_valid_records', JSON.stringify([{ ...valid(), attribution }]));
  // A whole batch of invalid records.
  post('1000 invalid records', 'no_valid_records', JSON.stringify(Array.from({ length: 1000 }, () => ({ ...valid(), status: 'bad' }))));
  post('envelope of 1000 invalid records', 'no_valid_records', JSON.stringify({ records: Array.from({ length: 1000 }, () => ({ ...valid(), worker_url: 'nope' })), proxy_id: 'p', dropped: 0 }));
  // Huge strings and deep nesting.
  post('1 MB request id', 'no_valid_records', JSON.stringify({ ...valid(), request_id: 'x'.repeat(1024 * 1024) }));
  post('deep nesting 100000', 'no_valid_records', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  post('deep nesting in a field', 'no_valid_records', JSON.stringify({ ...valid(), status: 'nope' }).replace(/}$/, `,"extra": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`));
  post('11 MB body', 'payload_too_large', JSON.stringify([{ ...valid(), status: 'bad', pad: 'x'.repeat(11 * 1024 * 1024) }]));
  // Prototype pollution attempts (each also invalid, so nothing is stored).
  post('__proto__ record', 'no_valid_records', '{"__proto__": {"polluted": true}, "status": "nope"}');
  post('__proto__ envelope', 'no_valid_records', '{"records": [{"__proto__": {"polluted": true}}], "__proto__": {"polluted": true}}');
  post('constructor.prototype', 'no_valid_records', '[{"constructor": {"prototype": {"polluted": true}}}]');
  // Wrong media types and encodings.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1']) {
    post(`content-type ${type}`, 'unsupported_media_type', JSON.stringify(valid()), { 'content-type': type });
  }
  post('no content-type', 'unsupported_media_type', JSON.stringify(valid()), {});
  // A corrupt gzip body is a client error body-parser reports as a bare 400: invalid_json.
  post('gzip that is not gzip', 'invalid_json', JSON.stringify(valid()), { ...json, 'content-encoding': 'gzip' });
  // Bad query parameters on every read route.
  const params = ['limit=-1', 'limit=1e9', 'limit=0', 'limit=abc', 'limit=10001', 'limit=', 'limit=1&limit=2', 'before=-5', 'before=0', 'before=1.5', 'before=9999999999999999999',
    'since=yesterday', 'since=2026-13-45', 'until=2026-01-01T00:00:00', 'since=-1', 'status=exploded', 'status=', 'node_id=', 'unknown=1', 'since=2026-02-01Z&until=2026-01-01Z',
    "node_id[$ne]=x", 'limit[]=5', 'since=1e12'];
  for (const query of params) cases.push({ name: `list ?${query}`, code: 'invalid_parameter', method: 'GET', path: `/v1/traces?${query}` });
  for (const query of ['window=0', 'window=-5', 'window=abc', 'window=1e3', 'nope=1']) cases.push({ name: `stats ?${query}`, code: 'invalid_parameter', method: 'GET', path: `/v1/traces/stats?${query}` });
  for (const query of ['all=maybe', 'all=', 'extra=1']) cases.push({ name: `lookup ?${query}`, code: 'invalid_parameter', method: 'GET', path: `/v1/traces/some-id?${query}` });
  // The read API cannot be used to change anything.
  for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
    for (const path of ['/v1/traces', '/v1/traces/stats', '/v1/traces/x', '/traces', '/traces/x']) cases.push({ name: `${method} ${path}`, code: 'method_not_allowed', method, path, headers: json, body: '[]' });
  }
  return cases;
}

describe('hostile input to the collector', async () => {
  const collector = await startTestCollector();
  const cases = generateCases();

  it(`answers each of ${cases.length} hostile requests with its exact error code and that code's status, storing nothing`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const before = (await collector.store.countRows());
    const failures: string[] = [];
    for (const hostile of cases) {
      const response = await request(`${collector.url}${hostile.path}`, { method: hostile.method, headers: hostile.headers, body: hostile.body });
      const code = (response.json as { error?: { code?: unknown } } | undefined)?.error?.code;
      if (code !== hostile.code || response.status !== ERROR_TABLE[hostile.code].status) {
        failures.push(`${hostile.name}: expected ${ERROR_TABLE[hostile.code].status} ${hostile.code}, got ${response.status} ${response.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect((await collector.store.countRows())).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await request(`${collector.url}/health`)).json).toMatchObject({ status: 'ok' });
  }, 60_000);

  it('round-trips SQL-looking and odd-unicode ids verbatim', async () => {
    const ids = ["x'; DROP TABLE traces; --", '1 OR 1=1', "' UNION SELECT * FROM counters --", '%27%3B--', 'a/b?c#d', '../../etc/passwd'];
    const { postJson } = await import('../helpers/http.js');
    await postJson(`${collector.url}/v1/traces`, ids.map((id) => makeRecord({ request_id: id, node_id: 'gpu-\u00e9\u4e2d\ud83d\ude80' })));
    for (const id of ids) {
      const response = await request(`${collector.url}/v1/traces/${encodeURIComponent(id)}`);
      expect(response.json).toMatchObject({ request_id: id, node_id: 'gpu-\u00e9\u4e2d\ud83d\ude80' });
    }
    expect((await request(`${collector.url}/v1/traces/stats`)).json).toMatchObject({ active_traces: ids.length });
  });
});
