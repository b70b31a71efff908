import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { RoutingRecordInput } from '#shared/record.js';
import { silentLogger } from '#shared/log.js';
import { BatchSender } from '../../proxy/export/batch-sender.js';
import { RecordExporter } from '../../proxy/export/record-exporter.js';
import { makeRecord } from '../helpers/records.js';

interface Envelope {
  records: RoutingRecordInput[];
}

describe('exporter: one envelope buffer reused from POST to POST', () => {
  it('delivers 3,000 records intact and in order when envelopes shrink and grow, retried batches included', async () => {
    // Every seventh POST answered 503: its batch waits in the queue as bytes and is sent again.
    const stored: RoutingRecordInput[] = [];
    let posts = 0;
    let answered503 = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope;
        const retry = posts++ % 7 === 3;
        if (retry) answered503++;
        else stored.push(...envelope.records);
        res.writeHead(retry ? 503 : 200, { 'content-type': 'application/json' });
        res.end(retry ? '{}' : JSON.stringify({ accepted: envelope.records.length, duplicates: 0, rejected: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    afterAll(() => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const exporter = new RecordExporter(new BatchSender({ baseUrl: url }), 'test-proxy', silentLogger(), { maxBatchSize: 150, initialBackoffMs: 1, maxBackoffMs: 2 });
    afterAll(() => exporter.shutdown(100));

    // Record sizes rise and fall from round to round, so a reused buffer often holds a longer
    // envelope's bytes past the end of the next one; a few non-ASCII characters too.
    const sent: RoutingRecordInput[] = [];
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++) {
        const record = makeRecord({ error: `failure ${round}/${i} ${'é'.repeat(round % 3)}${'x'.repeat(((round * 7) % 5) * 300 + i)}`, duration_ms: round + i / 1000 });
        sent.push(record);
        exporter.enqueue(record);
      }
      await exporter.forceFlush();
    }
    expect(answered503).toBeGreaterThan(3);
    expect(stored).toEqual(sent);
    expect(exporter.counters).toEqual({ produced: 3000, sent: 3000, dropped: 0, failed: 0, retries: answered503 });
  });
});
