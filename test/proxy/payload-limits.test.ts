import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { startTestProxy } from '../helpers/stack.js';

const LIMIT = 1000;

/** A chunked upload of `total` bytes in 100-byte chunks; resolves with the status and body. */
function chunkedUpload(url: string, total: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    for (let sent = 0; sent < total; sent += 100) req.write(Buffer.alloc(100, 0x61));
    req.end();
  });
}

describe('--max-payload-size', async () => {
  const collector = await startTestCollector();
  // A plain HTTP worker that answers with the size of the body it received.
  const bodies: number[] = [];
  const worker = createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      if (req.method === 'POST') bodies.push(size);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, received: size }));
    });
  });
  await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => worker.close(() => resolve())));
  const address = worker.address();
  const workerUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const proxy = await startTestProxy({ workerUrls: [workerUrl], collectorUrl: collector.url, maxPayloadSize: LIMIT });
  const tooLarge = { error: { code: 'payload_too_large', message: `body exceeds --max-payload-size (${LIMIT} bytes)` } };

  it('stops a chunked body over the limit on a path the proxy does not parse (413)', async () => {
    const before = bodies.length;
    const result = await chunkedUpload(`${proxy.url}/v1/embeddings`, 5000);
    expect(result).toEqual({ status: 413, body: tooLarge });
    expect(bodies.slice(before).every((size) => size <= LIMIT)).toBe(true);
  });

  it('lets a chunked body under the limit through to the worker, unchanged', async () => {
    const result = await chunkedUpload(`${proxy.url}/v1/embeddings`, 500);
    expect(result).toEqual({ status: 200, body: { ok: true, received: 500 } });
  });

  it('answers 413 to Expect: 100-continue with a too-large Content-Length, before any 100 Continue', async () => {
    const { hostname, port } = new URL(proxy.url);
    const socket = connect(Number(port), hostname);
    socket.write(`POST /generate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${LIMIT * 10}\r\nexpect: 100-continue\r\n\r\n`);
    let received = '';
    socket.setEncoding('latin1');
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: string) => {
        received += chunk;
        if (received.includes('\r\n\r\n') && received.includes('}}')) resolve();
      });
      socket.on('close', () => resolve());
    });
    socket.destroy();
    expect(received.startsWith('HTTP/1.1 413 ')).toBe(true);
    expect(received).not.toContain('100 Continue');
    expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toEqual(tooLarge);
  });
});
