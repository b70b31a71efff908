import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { spawnBinary } from '../helpers/processes.js';
import { startStack, waitFor } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';
import { SseStream } from './sse-client.js';
import { sendTraffic } from './traffic.js';

type Collector = Awaited<ReturnType<typeof startTestCollector>>;

async function ingest(collector: Collector, records: unknown[]): Promise<void> {
  const response = await postJson(`${collector.url}/v1/traces`, records);
  expect(response.status).toBe(200);
}

/** Every stored record matching `query`, oldest first (the stream's order). */
async function stored(collector: Collector, query = ''): Promise<StoredTrace[]> {
  const body = (await request(`${collector.url}/v1/traces?limit=10000${query}`)).json as StoredTrace[];
  return body.reverse();
}

async function openLive(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const stream = await SseStream.open(url, headers);
  // The opening comment is written once the stream is registered with the store.
  await stream.until((s) => s.comments.includes('routetrace live tail'), 'the opening comment');
  return stream;
}

async function metric(collector: Collector, line: string): Promise<number> {
  const text = (await request(`${collector.url}/metrics`)).text;
  const found = text.split('\n').find((row) => row.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe('GET /v1/traces/stream (live tail over SSE)', () => {
  it('sends each stored record once, id = seq and data = the record exactly as the list API returns it', async () => {
    const collector = await startTestCollector();
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
    const collector = await startTestCollector();
    const stream = await openLive(`${collector.url}/traces/stream`);
    await ingest(collector, [makeRecord({ request_id: 'alias-1' })]);
    await stream.until((s) => s.events.length === 1, '1 event');
    expect(stream.records<StoredTrace>().map((trace) => trace.request_id)).toEqual(['alias-1']);
  });

  it('resumes after ?after=<seq> with neither gap nor repeat, then continues live', async () => {
    const collector = await startTestCollector();
    await ingest(collector, Array.from({ length: 5 }, () => makeRecord()));
    const first = await stored(collector);
    const after = first[1]?.seq ?? 0;
    const stream = await openLive(`${collector.url}/v1/traces/stream?after=${after}`);
    await stream.until((s) => s.events.length === 3, 'the 3 missed records');
    await ingest(collector, [makeRecord(), makeRecord()]);
    await stream.until((s) => s.events.length === 5, '2 live records');
    expect(stream.records()).toEqual((await stored(collector)).filter((trace) => trace.seq > after));
  });

  it('Last-Event-ID (sent by EventSource on reconnect) wins over ?after=', async () => {
    const collector = await startTestCollector();
    await ingest(collector, Array.from({ length: 4 }, () => makeRecord()));
    const all = await stored(collector);
    const stream = await openLive(`${collector.url}/v1/traces/stream?after=0`, { 'last-event-id': String(all[2]?.seq) });
    await stream.until((s) => s.events.length === 1, '1 event');
    expect(stream.records()).toEqual(all.slice(3));
  });

  it('has no gap or repeat when records keep arriving during a replay of several pages', async () => {
    const collector = await startTestCollector();
    // 1,200 stored records: three replay pages of 500.
    for (let batch = 0; batch < 6; batch++) await ingest(collector, Array.from({ length: 200 }, () => makeRecord()));
    const streamPromise = SseStream.open(`${collector.url}/v1/traces/stream?after=0`);
    // Batches committed while the stream replays.
    for (let batch = 0; batch < 8; batch++) await ingest(collector, Array.from({ length: 50 }, () => makeRecord()));
    const stream = await streamPromise;
    await stream.until((s) => s.events.length >= 1600, 'all 1,600 records');
    await ingest(collector, [makeRecord()]);
    await stream.until((s) => s.events.length >= 1601, 'the last live record');
    const seqs = stream.events.map((event) => Number(event.id));
    expect(seqs).toEqual((await stored(collector)).map((trace) => trace.seq));
    expect(new Set(seqs).size).toBe(1601);
  });

  it('applies the filters to replayed and live records alike', async () => {
    const collector = await startTestCollector();
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
    const collector = await startTestCollector();
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

  it('refuses a stream past --max-streams with 503 too_many_streams, and accepts again once one closes', async () => {
    const collector = await startTestCollector({ maxStreams: 2 });
    const first = await openLive(`${collector.url}/v1/traces/stream`);
    await openLive(`${collector.url}/v1/traces/stream`);
    const refused = await request(`${collector.url}/v1/traces/stream`);
    expect(refused.status).toBe(503);
    expect(refused.json).toEqual({ error: { code: 'too_many_streams', message: 'at most 2 live-tail streams may be open (--max-streams); retry later' } });
    expect(await metric(collector, 'routetrace_collector_streams_refused_or_cut_total{reason="limit"}')).toBe(1);
    first.close();
    await waitFor(async () => (await metric(collector, 'routetrace_collector_streams_open')) === 1, 5000, 'the closed stream to be released');
    const third = await openLive(`${collector.url}/v1/traces/stream`);
    expect(third.status).toBe(200);
  });

  it('routetrace-collector --max-streams 1 (the flag) refuses the second stream', async () => {
    const collector = await spawnBinary('collector', ['--port', '0', '--db', `${tempDir()}/flag.db`, '--max-streams', '1']);
    const first = await openLive(`${collector.url}/v1/traces/stream`);
    const refused = await request(`${collector.url}/v1/traces/stream`);
    expect(refused.json).toEqual({ error: { code: 'too_many_streams', message: 'at most 1 live-tail streams may be open (--max-streams); retry later' } });
    expect(refused.status).toBe(503);
    first.close();
  });

  it('writes heartbeat comments on an idle stream', async () => {
    const collector = await startTestCollector({ streamHeartbeatSeconds: 0.05 });
    const stream = await openLive(`${collector.url}/v1/traces/stream`);
    await stream.until((s) => s.comments.filter((comment) => comment === 'heartbeat').length >= 2, 'two heartbeats');
    expect(stream.events).toEqual([]);
  });

  it('disconnects a client that stops reading once its buffer is full, while every ingest batch is still accepted', async () => {
    const collector = await startTestCollector({ streamBufferBytes: 64 * 1024 });
    const { port } = new URL(collector.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /v1/traces/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    // Never read: the kernel buffers fill, then the collector's response buffer.
    socket.pause();
    await waitFor(async () => (await metric(collector, 'routetrace_collector_streams_open')) === 1, 5000, 'the stream to open');
    const cut = 'routetrace_collector_streams_refused_or_cut_total{reason="slow_client"}';
    let batches = 0;
    while ((await metric(collector, cut)) === 0) {
      expect(batches, 'batches sent before the slow client was cut off').toBeLessThan(60);
      await ingest(collector, Array.from({ length: 200 }, () => makeRecord({ error: 'x'.repeat(2000) })));
      batches += 1;
    }
    expect(await metric(collector, 'routetrace_collector_streams_open')).toBe(0);
    // Ingest still works and stored everything.
    await ingest(collector, [makeRecord()]);
    expect((await stored(collector)).length).toBe(batches * 200 + 1);
    socket.destroy();
  });

  it('ends open streams cleanly when the collector closes (not by cutting the connection after the grace period)', async () => {
    const collector = await startTestCollector();
    const stream = await openLive(`${collector.url}/v1/traces/stream`);
    await collector.close();
    await stream.endedPromise();
    expect(stream.completed).toBe(true);
  });

  it('works through the proxy: a request sent through it arrives on the proxy port stream', async () => {
    const stack = await startStack({ workers: 1 });
    const stream = await openLive(`${stack.proxy.url}/v1/traces/stream?node_id=worker-0`);
    await sendTraffic(stack.proxy.url, 1, 'via-proxy');
    await stream.until((s) => s.events.length === 1, 'the proxied request');
    expect(stream.records<StoredTrace>().map((trace) => [trace.request_id, trace.node_id])).toEqual([['via-proxy-0', 'worker-0']]);
  });
});
