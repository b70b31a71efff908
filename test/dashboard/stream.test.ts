import { expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { startStack } from '../helpers/stack.js';
import { ingest, openLive, stored } from './stream-helpers.js';
import { sendTraffic } from './traffic.js';

describeEngines('GET /v1/traces/stream (live tail over SSE): events, filters, errors', (engine) => {
  it('sends each stored record once, id = seq and data = the record exactly as the list API returns it', async () => {
    const collector = await startTestCollector({}, engine);
    const stream = await openLive(`${collector.url}/v1/traces/stream`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    await ingest(collector, [makeRecord(), makeRecord({ status: 'failed', error: 'boom' })]);
    await ingest(collector, [makeRecord({ decision: 'tree_match', candidate_loads: { 'worker-0': 1 } })]);
    await stream.until((s) => s.events.length === 3, '3 events');
    const expected = await stored(collector);
    expect(stream.records()).toEqual(expected);
    expect(stream.events.map((event) => event.id)).toEqual(expected.map((trace) => String(trace.seq)));
  });

  it('the /traces/stream alias streams too', async () => {
    const collector = await startTestCollector({}, engine);
    const stream = await openLive(`${collector.url}/traces/stream`);
    await ingest(collector, [makeRecord({ request_id: 'alias-1' })]);
    await stream.until((s) => s.events.length === 1, '1 event');
    expect(stream.records<StoredTrace>().map((trace) => trace.request_id)).toEqual(['alias-1']);
  });

  it('applies the filters to replayed and live records alike', async () => {
    const collector = await startTestCollector({}, engine);
    const mixed = (): unknown[] => [
      makeRecord({ node_id: 'worker-1', status: 'failed' }),
      makeRecord({ node_id: 'worker-1', status: 'completed' }),
      makeRecord({ node_id: 'worker-0', status: 'failed' }),
      makeRecord({ node_id: 'worker-1', status: 'failed', routing_policy: 'round_robin', decision: 'round_robin' }),
    ];
    await ingest(collector, mixed());
    const query = 'node_id=worker-1&status=failed&routing_policy=cache_aware';
    const stream = await openLive(`${collector.url}/v1/traces/stream?after=0&${query}`);
    await stream.until((s) => s.events.length === 1, 'the replayed match');
    await ingest(collector, mixed());
    await stream.until((s) => s.events.length === 2, 'the live match');
    expect(stream.records()).toEqual(await stored(collector, `&${query}`));
    const byDecision = await openLive(`${collector.url}/v1/traces/stream?after=0&decision=round_robin`);
    await byDecision.until((s) => s.events.length === 2, 'both round_robin records');
    expect(byDecision.records()).toEqual(await stored(collector, '&decision=round_robin'));
  });

  it('answers bad parameters with 400 invalid_parameter before any event', async () => {
    const collector = await startTestCollector({}, engine);
    const cases: Array<[string, Record<string, string>, string]> = [
      ['?limit=5', {}, "unknown query parameter 'limit'; known: after, node_id, worker_url, status, routing_policy, request_id, decision"],
      ['?status=done', {}, "status: expected one of completed, failed, cancelled, timeout, got 'done'"],
      ['?after=-1', {}, "after: expected an integer from 0 to 9007199254740991, got '-1'"],
      ['', { 'last-event-id': 'abc' }, "Last-Event-ID: expected a record seq, got 'abc'"],
    ];
    for (const [query, headers, message] of cases) {
      const response = await request(`${collector.url}/v1/traces/stream${query}`, { headers });
      expect(response.status, query).toBe(400);
      expect(response.json, query).toEqual({ error: { code: 'invalid_parameter', message } });
    }
  });

  it('works through the proxy: a request sent through it arrives on the proxy port stream', async () => {
    const stack = await startStack({ workers: 1 });
    const stream = await openLive(`${stack.proxy.url}/v1/traces/stream?node_id=worker-0`);
    await sendTraffic(stack.proxy.url, 1, 'via-proxy');
    await stream.until((s) => s.events.length === 1, 'the proxied request');
    expect(stream.records<StoredTrace>().map((trace) => [trace.request_id, trace.node_id])).toEqual([['via-proxy-0', 'worker-0']]);
  });
});
