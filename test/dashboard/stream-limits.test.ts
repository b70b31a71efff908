import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { spawnBinary } from '../helpers/processes.js';
import { waitFor } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';
import { ingest, metric, openLive, stored } from './stream-helpers.js';

describe('GET /v1/traces/stream: limits, heartbeats, slow clients, shutdown', () => {
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
      expect(batches, 'batches sent before the slow client was cut off').toBeLessThan(100);
      await ingest(collector, Array.from({ length: 200 }, () => makeRecord({ error: 'x'.repeat(2000) })));
      batches += 1;
    }
    expect(await metric(collector, 'routetrace_collector_streams_open')).toBe(0);
    // Ingest still works and stored everything.
    await ingest(collector, [makeRecord()]);
    expect((await stored(collector)).length).toBe(batches * 200 + 1);
    socket.destroy();
  });

  it('keeps a client that reads, even when one batch is larger than the buffer bound', async () => {
    const collector = await startTestCollector({ streamBufferBytes: 64 * 1024 });
    const stream = await openLive(`${collector.url}/v1/traces/stream`);
    // ~460 KB of events per batch: more than the bound sits queued right after the write.
    for (let batch = 1; batch <= 3; batch++) {
      await ingest(collector, Array.from({ length: 200 }, () => makeRecord({ error: 'x'.repeat(2000) })));
      await stream.until((s) => s.events.length === batch * 200, `batch ${batch}`);
    }
    expect(await metric(collector, 'routetrace_collector_streams_refused_or_cut_total{reason="slow_client"}')).toBe(0);
    expect(await metric(collector, 'routetrace_collector_streams_open')).toBe(1);
  });

  it('ends open streams cleanly when the collector closes (not by cutting the connection after the grace period)', async () => {
    const collector = await startTestCollector();
    const stream = await openLive(`${collector.url}/v1/traces/stream`);
    await collector.close();
    await stream.endedPromise();
    expect(stream.completed).toBe(true);
  });
});
