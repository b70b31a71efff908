import { expect, it } from 'vitest';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { makeRecord } from '../helpers/records.js';
import { ingest, openLive, stored } from './stream-helpers.js';
import { SseStream } from './sse-client.js';

describeEngines('GET /v1/traces/stream: resuming without gap or repeat', (engine) => {
  it('resumes after ?after=<seq> with neither gap nor repeat, then continues live', async () => {
    const collector = await startTestCollector({}, engine);
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
    const collector = await startTestCollector({}, engine);
    await ingest(collector, Array.from({ length: 4 }, () => makeRecord()));
    const all = await stored(collector);
    const stream = await openLive(`${collector.url}/v1/traces/stream?after=0`, { 'last-event-id': String(all[2]?.seq) });
    await stream.until((s) => s.events.length === 1, '1 event');
    expect(stream.records()).toEqual(all.slice(3));
  });

  it('has no gap or repeat when records keep arriving during a replay of several pages', async () => {
    const collector = await startTestCollector({}, engine);
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
});
