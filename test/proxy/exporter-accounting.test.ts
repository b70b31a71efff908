import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { TraceStats } from '#shared/api-types.js';
import { silentLogger } from '#shared/log.js';
import { BatchSender } from '../../proxy/export/batch-sender.js';
import { RecordExporter, type ExporterOptions } from '../../proxy/export/record-exporter.js';
import { startTestCollector } from '../helpers/collector.js';
import { request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { waitFor } from '../helpers/stack.js';

interface Envelope {
  records: unknown[];
  dropped: number;
}

/**
 * A throwaway collector: logs every envelope and answers with `answer(n)` for the n-th POST
 * (0-based); `hold` keeps an answer back until released.
 */
async function startFakeCollector(answer: (n: number, envelope: Envelope, res: ServerResponse) => void): Promise<{ url: string; envelopes: Envelope[]; arrived: (count: number) => Promise<void> }> {
  const envelopes: Envelope[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope;
      envelopes.push(envelope);
      for (const waiter of waiters.filter((w) => envelopes.length >= w.count)) waiter.resolve();
      answer(envelopes.length - 1, envelope, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  const arrived = (count: number): Promise<void> => (envelopes.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, envelopes, arrived };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const storeAll = (envelope: Envelope, res: ServerResponse): void => json(res, 200, { accepted: envelope.records.length, duplicates: 0, rejected: [] });

function exporterFor(url: string, options: ExporterOptions = {}): RecordExporter {
  const exporter = new RecordExporter(new BatchSender({ baseUrl: url }), 'test-proxy', silentLogger(), { initialBackoffMs: 10, maxBackoffMs: 20, ...options });
  afterAll(() => exporter.shutdown(100));
  return exporter;
}

const balance = (exporter: RecordExporter) => {
  const { produced, sent, dropped, failed } = exporter.counters;
  return { produced, sent, dropped, failed, holds: produced === sent + dropped + failed };
};

describe('exact drop accounting: produced = delivered + dropped + refused', () => {
  it('an all-invalid batch: refused at the source, and the drop count still reaches the real collector', async () => {
    const collector = await startTestCollector();
    const exporter = exporterFor(collector.url, { maxQueueSize: 2 });
    // Five records enqueued in one turn into a queue of two: three dropped, two left, both invalid.
    for (let i = 0; i < 5; i++) exporter.enqueue(makeRecord({ node_id: '' }));
    await exporter.forceFlush();
    expect(balance(exporter)).toEqual({ produced: 5, sent: 0, dropped: 3, failed: 2, holds: true });
    const stats = (await request(`${collector.url}/v1/traces/stats`)).json as TraceStats;
    expect({ total: stats.total_requests, dropped: stats.dropped_records }).toEqual({ total: 0, dropped: 3 });
  });

  it('a 401: the batch is refused, and its drop count is kept for the next envelope', async () => {
    const fake = await startFakeCollector((n, envelope, res) =>
      n === 0 ? json(res, 401, { error: { code: 'unauthorized', message: 'A valid ingest token is required' } }) : storeAll(envelope, res),
    );
    const exporter = exporterFor(fake.url, { maxQueueSize: 2 });
    for (let i = 0; i < 5; i++) exporter.enqueue(makeRecord());
    await exporter.forceFlush();
    exporter.enqueue(makeRecord());
    await exporter.forceFlush();
    // The refused batch's drop count goes out again at once (in an envelope of its own here).
    expect(fake.envelopes.map((envelope) => ({ records: envelope.records.length, dropped: envelope.dropped }))).toEqual([
      { records: 2, dropped: 3 },
      { records: 0, dropped: 3 },
      { records: 1, dropped: 0 },
    ]);
    expect(balance(exporter)).toEqual({ produced: 6, sent: 1, dropped: 3, failed: 2, holds: true });
  });

  it('caps the drop count per envelope and reports the rest in the following ones', async () => {
    const fake = await startFakeCollector((_n, envelope, res) => storeAll(envelope, res));
    const exporter = exporterFor(fake.url, { maxQueueSize: 1, maxDroppedPerEnvelope: 2 });
    for (let i = 0; i < 6; i++) exporter.enqueue(makeRecord());
    await exporter.forceFlush();
    expect(fake.envelopes.map((envelope) => ({ records: envelope.records.length, dropped: envelope.dropped }))).toEqual([
      { records: 1, dropped: 2 },
      { records: 0, dropped: 2 },
      { records: 0, dropped: 1 },
    ]);
    expect(balance(exporter)).toEqual({ produced: 6, sent: 1, dropped: 5, failed: 0, holds: true });
  });
});

describe('exporter retry policy (as OpenTelemetry\'s exporters)', () => {
  it('a 500 is final: one POST, the records refused, no retry', async () => {
    const fake = await startFakeCollector((_n, _envelope, res) => json(res, 500, { error: { code: 'internal_error', message: 'boom' } }));
    const exporter = exporterFor(fake.url);
    exporter.enqueue(makeRecord());
    await exporter.forceFlush();
    expect({ posts: fake.envelopes.length, retries: exporter.counters.retries, ...balance(exporter) }).toEqual({ posts: 1, retries: 0, produced: 1, sent: 0, dropped: 0, failed: 1, holds: true });
  });

  it('429, 502, 503 and 504 are retried, the same records each time', async () => {
    const statuses = [429, 502, 503, 504];
    const fake = await startFakeCollector((n, envelope, res) => (n < statuses.length ? json(res, statuses[n] ?? 503, {}) : storeAll(envelope, res)));
    const exporter = exporterFor(fake.url);
    const record = makeRecord();
    exporter.enqueue(record);
    await exporter.forceFlush();
    expect(fake.envelopes.map((envelope) => envelope.records)).toEqual(Array.from({ length: 5 }, () => [record]));
    expect({ retries: exporter.counters.retries, ...balance(exporter) }).toEqual({ retries: 4, produced: 1, sent: 1, dropped: 0, failed: 0, holds: true });
  });

  it('a batch pushed out of a full queue while it awaits its retry: the newer records take its place, and every record is accounted for', async () => {
    const fake = await startFakeCollector((n, envelope, res) => (n === 0 ? json(res, 503, {}) : storeAll(envelope, res)));
    const exporter = exporterFor(fake.url, { maxQueueSize: 2, initialBackoffMs: 500, maxBackoffMs: 1000 });
    const first = [makeRecord(), makeRecord()];
    for (const record of first) exporter.enqueue(record);
    await waitFor(() => exporter.counters.retries === 1, 5000, 'the 503 to be read'); // the retry waits 400–600 ms
    const newer = [makeRecord(), makeRecord()];
    for (const record of newer) exporter.enqueue(record); // the queue holds two: the waiting batch is dropped
    await exporter.forceFlush();
    expect(fake.envelopes).toEqual([
      { records: first, proxy_id: 'test-proxy', dropped: 0 },
      { records: newer, proxy_id: 'test-proxy', dropped: 0 },
      { records: [], proxy_id: 'test-proxy', dropped: 2 },
    ]);
    expect(balance(exporter)).toEqual({ produced: 4, sent: 2, dropped: 2, failed: 0, holds: true });
  });

  it('caps Retry-After: a collector asking for an hour is retried after --max-retry-after', async () => {
    const fake = await startFakeCollector((n, envelope, res) => (n === 0 ? json(res, 503, {}, { 'retry-after': '3600' }) : storeAll(envelope, res)));
    const exporter = exporterFor(fake.url, { maxRetryAfterMs: 30 });
    exporter.enqueue(makeRecord());
    await fake.arrived(2); // an uncapped wait would time the test out
    await exporter.forceFlush();
    expect(balance(exporter)).toEqual({ produced: 1, sent: 1, dropped: 0, failed: 0, holds: true });
  });

  it('gives a batch up after its deadline: counted as dropped and reported once the collector is back', async () => {
    let down = true;
    const fake = await startFakeCollector((_n, envelope, res) => (down ? json(res, 503, {}) : storeAll(envelope, res)));
    const exporter = exporterFor(fake.url, { batchDeadlineMs: 100 });
    for (let i = 0; i < 3; i++) exporter.enqueue(makeRecord());
    await waitFor(() => exporter.counters.dropped === 3, 5000, 'the batch to pass its deadline');
    down = false;
    const last = makeRecord();
    exporter.enqueue(last);
    await exporter.forceFlush();
    expect(fake.envelopes.at(-1)).toEqual({ records: [last], proxy_id: 'test-proxy', dropped: 3 });
    expect(balance(exporter)).toEqual({ produced: 4, sent: 1, dropped: 3, failed: 0, holds: true });
  });

  it('reads a bounded answer: an endless 200 body does not hold the exporter (one POST, stored)', async () => {
    const fake = await startFakeCollector((_n, _envelope, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const exporter = exporterFor(fake.url, { exportTimeoutMs: 10_000 });
    exporter.enqueue(makeRecord());
    await exporter.forceFlush(15_000);
    expect({ posts: fake.envelopes.length, ...balance(exporter) }).toEqual({ posts: 1, produced: 1, sent: 1, dropped: 0, failed: 0, holds: true });
  });
});

describe('records leave at once when idle, and batch while an export is in flight', () => {
  it('the first record goes alone without a flush call; those finished during its POST go together in the next', async () => {
    let release: () => void = () => undefined;
    const fake = await startFakeCollector((n, envelope, res) => {
      if (n === 0) release = () => storeAll(envelope, res);
      else storeAll(envelope, res);
    });
    const exporter = exporterFor(fake.url);
    const first = makeRecord();
    exporter.enqueue(first);
    await fake.arrived(1); // no forceFlush, no timer: the idle exporter sent it by itself
    const during = [makeRecord(), makeRecord(), makeRecord()];
    for (const record of during) exporter.enqueue(record);
    release();
    await fake.arrived(2);
    expect(fake.envelopes.map((envelope) => envelope.records)).toEqual([[first], during]);
  });
});
