import { expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

describeEngines('GET /v1/traces', async (engine) => {
  const collector = await startTestCollector({}, engine);
  const base = Date.parse('2026-11-21T10:00:00Z');
  const seeded = [
    makeRecord({ request_id: 'a', node_id: 'worker-0', status: 'completed', routing_policy: 'cache_aware', timestamp: base }),
    makeRecord({ request_id: 'b', node_id: 'worker-1', worker_url: 'http://127.0.0.1:30002', status: 'failed', routing_policy: 'round_robin', timestamp: base + 1000 }),
    makeRecord({ request_id: 'c', node_id: 'worker-0', status: 'completed', routing_policy: 'round_robin', timestamp: base + 2000 }),
    makeRecord({ request_id: 'd', node_id: 'worker-1', worker_url: 'http://127.0.0.1:30002', status: 'timeout', routing_policy: 'cache_aware', timestamp: base + 3000 }),
  ];
  await postJson(`${collector.url}/v1/traces`, seeded);
  const list = async (query: string): Promise<string[]> => {
    const response = await request(`${collector.url}/v1/traces${query}`);
    expect(response.status).toBe(200);
    return (response.json as StoredTrace[]).map((trace) => trace.request_id);
  };

  it('lists newest first', async () => {
    expect(await list('')).toEqual(['d', 'c', 'b', 'a']);
  });

  it('returns each record whole, with seq and ISO times', async () => {
    const response = await request(`${collector.url}/v1/traces?limit=1`);
    const [trace] = response.json as StoredTrace[];
    expect(trace).toEqual({
      request_id: 'd', node_id: 'worker-1', worker_url: 'http://127.0.0.1:30002', routing_policy: 'cache_aware',
      status: 'timeout', timestamp: '2026-11-21T10:00:03.000Z', cache_hit_rate: null, queue_size: null,
      cache_hit: null, cached_tokens: null, prompt_tokens: null, completion_tokens: null, worker_load: null,
      prefix_match_rate: null, duration_ms: null, ttft_ms: null, http_status: null, stream: null, method: null,
      path: null, model: null, attempts: null, error: null, attribution: null, dp_rank: null, decision: null, candidate_loads: null, proxy_id: null,
      record_id: seeded[3]?.record_id, seq: 4, received_at: trace?.received_at,
    });
    expect(Date.parse(String(trace?.received_at))).toBeGreaterThan(0);
  });

  it('filters by node, worker, status, policy, request id and time', async () => {
    expect(await list('?node_id=worker-0')).toEqual(['c', 'a']);
    expect(await list('?worker_url=http%3A%2F%2F127.0.0.1%3A30002')).toEqual(['d', 'b']);
    expect(await list('?status=failed')).toEqual(['b']);
    expect(await list('?routing_policy=round_robin&node_id=worker-0')).toEqual(['c']);
    expect(await list('?request_id=b')).toEqual(['b']);
    expect(await list('?since=2026-11-21T10:00:01Z&until=2026-11-21T10:00:03Z')).toEqual(['c', 'b']);
    expect(await list(`?since=${base + 2000}`)).toEqual(['d', 'c']);
    expect(await list('?since=2026-11-21')).toEqual(['d', 'c', 'b', 'a']);
  });

  it('bounds limit and answers 400 naming a bad parameter', async () => {
    expect(await list('?limit=2')).toEqual(['d', 'c']);
    expect(await list('?limit=10000')).toHaveLength(4);
    const cases: Array<[string, string]> = [
      ['limit=0', "limit: expected an integer from 1 to 10000, got '0'"],
      ['limit=-1', "limit: expected an integer from 1 to 10000, got '-1'"],
      ['limit=10001', "limit: expected an integer from 1 to 10000, got '10001'"],
      ['limit=1e9', "limit: expected an integer from 1 to 10000, got '1e9'"],
      ['limit=1&limit=2', 'limit: give it once, as a single value'],
      ['status=exploded', "status: expected one of completed, failed, cancelled, timeout, got 'exploded'"],
      ['since=yesterday', "since: expected ISO 8601 with an offset (2026-01-31T12:00:00Z) or epoch milliseconds, got 'yesterday'"],
      ['until=2026-11-21T10:00:00', "until: expected ISO 8601 with an offset (2026-01-31T12:00:00Z) or epoch milliseconds, got '2026-11-21T10:00:00'"],
      ['since=2026-11-22T00:00:00Z&until=2026-11-21T00:00:00Z', 'since: must not be later than until'],
      ['before=abc', "before: expected an integer from 1 to 9007199254740991, got 'abc'"],
      ['node=worker-0', "unknown query parameter 'node'; known: limit, before, node_id, worker_url, status, routing_policy, request_id, decision, since, until"],
      ['node_id=', 'node_id: must not be empty'],
    ];
    for (const [query, message] of cases) {
      const response = await request(`${collector.url}/v1/traces?${query}`);
      expect({ query, status: response.status, body: response.json }).toEqual({
        query,
        status: 400,
        body: { error: { code: 'invalid_parameter', message } },
      });
    }
  });
});

describeEngines('paging with before=<seq> while inserts continue', async (engine) => {
  const collector = await startTestCollector({}, engine);

  it('walks the whole history with no gap and no repeat', async () => {
    const initial = Array.from({ length: 250 }, (_, i) => makeRecord({ request_id: `page-${i}` }));
    await postJson(`${collector.url}/v1/traces`, initial);

    const seen: string[] = [];
    let before: number | undefined;
    let inserted = 0;
    for (;;) {
      const query = before === undefined ? '?limit=40' : `?limit=40&before=${before}`;
      const page = (await request(`${collector.url}/v1/traces${query}`)).json as StoredTrace[];
      if (page.length === 0) break;
      seen.push(...page.map((trace) => trace.request_id));
      before = page.at(-1)?.seq;
      // New records arrive between pages; they are newer than the cursor and never show up in it.
      await postJson(`${collector.url}/v1/traces`, Array.from({ length: 7 }, () => makeRecord({ request_id: `late-${inserted++}` })));
    }
    expect(seen).toEqual(initial.map((record) => record.request_id).reverse());
    expect(new Set(seen).size).toBe(250);
  });
});

describeEngines('GET /v1/traces paging headers', async (engine) => {
  const collector = await startTestCollector({}, engine);
  await postJson(`${collector.url}/v1/traces`, Array.from({ length: 5 }, (_, i) => makeRecord({ request_id: `page-${i}`, node_id: 'worker-0' })));

  it('gives a full page the next cursor in X-Next-Before and Link, keeping the body a plain array', async () => {
    const first = await request(`${collector.url}/v1/traces?limit=2&node_id=worker-0`);
    expect((first.json as StoredTrace[]).map((trace) => trace.seq)).toEqual([5, 4]);
    expect({ next: first.headers['x-next-before'], link: first.headers.link }).toEqual({
      next: '4',
      link: '</v1/traces?limit=2&node_id=worker-0&before=4>; rel="next"',
    });
    const second = await request(`${collector.url}${String(first.headers.link).slice(1, String(first.headers.link).indexOf('>'))}`);
    expect((second.json as StoredTrace[]).map((trace) => trace.seq)).toEqual([3, 2]);
    expect(second.headers['x-next-before']).toBe('2');
  });

  it('sends no cursor on the last, partial page', async () => {
    const last = await request(`${collector.url}/traces?limit=2&before=2`);
    expect((last.json as StoredTrace[]).map((trace) => trace.seq)).toEqual([1]);
    expect({ next: last.headers['x-next-before'], link: last.headers.link }).toEqual({ next: undefined, link: undefined });
  });
});
