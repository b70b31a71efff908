import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { startTestCollector } from '../helpers/collector.js';
import { startRawWorker } from '../helpers/raw-worker.js';
import { startTestProxy, waitFor } from '../helpers/stack.js';
import { seededRandom } from '../helpers/seeded-random.js';

const SEED = 0x5eed;
const CASES = 200;

/** One malformed answer: bytes for the socket, then an end (or a reset). */
function malformation(random: () => number): { bytes: Buffer; reset: boolean } {
  const int = (max: number): number => Math.floor(random() * max);
  const junk = (length: number): Buffer => Buffer.from(Array.from({ length }, () => int(256)));
  const text = (value: string): Buffer => Buffer.from(value, 'latin1');
  const json = '{"text":"ok","meta_info":{"prompt_tokens":5,"completion_tokens":2}}';
  const kinds: Array<() => Buffer> = [
    // Status line
    () => text(['HTTX/1.1 200 OK\r\n\r\n', 'HTTP/1.1 2x0 OK\r\n\r\n', 'HTTP/9.9 200 OK\r\n\r\n', '\r\n\r\n', 'HTTP/1.1 99 Odd\r\ncontent-length: 0\r\n\r\n', 'HTTP/1.1 1000 Big\r\ncontent-length: 0\r\n\r\n'][int(6)] ?? ''),
    () => Buffer.concat([junk(1 + int(200)), text('\r\n\r\n')]),
    () => text('HTTP/1.1 200'), // cut inside the status line
    // Headers
    () => text(['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', 'HTTP/1.1 200 OK\r\nbad name: x\r\ncontent-length: 0\r\n\r\n', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nhello', 'HTTP/1.1 200 OK\r\ncontent-length: -3\r\n\r\n', 'HTTP/1.1 200 OK\r\nx-nul: a\u0000b\r\n\r\n', 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n'][int(6)] ?? ''),
    () => text(`HTTP/1.1 200 OK\r\nx-long: ${'a'.repeat(20_000 + int(80_000))}\r\n\r\n`),
    () => text(`HTTP/1.1 200 OK\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n`),
    // Bodies: declared length wrong
    () => text(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length + 1 + int(1000)}\r\n\r\n${json}`),
    () => text(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${int(json.length)}\r\n\r\n${json}garbage after the body`),
    // Chunk framing: a chunk longer than its size (the crash of the old engine), bad sizes, no end
    () => text(`HTTP/1.1 200 OK\r\ncontent-type: ${random() < 0.5 ? 'application/json' : 'text/plain'}\r\ntransfer-encoding: chunked\r\n\r\n5\r\n${json}\r\n0\r\n\r\n`),
    () => text(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${['zz', '-1', 'fffffffffffffffffff', ' 5', '5;;;'][int(5)]}\r\nhello\r\n0\r\n\r\n`),
    () => text(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${json.length.toString(16)}\r\n${json}\r\n`),
    () => Buffer.concat([text('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\n'), junk(16 + int(64)), text('\r\n0\r\n\r\n')]),
    // SSE framing: broken events, CR-only lines, invalid UTF-8, a cut mid-event, an oversized chunk
    () => text(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${(12).toString(16)}\r\ndata: {"text"\r\n`),
    () => text(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n20\r\ndata: {"a":1}\r\rdata: {"b":\r\r\r\n`),
    () => Buffer.concat([text('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: '), junk(1 + int(300)), text('\n\ndata: [DONE]\n\n')]),
    () => text(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n3\r\ndata: {"meta_info":{"prompt_tokens":1}}\n\n\r\n0\r\n\r\n`),
    // Protocol switches and interim answers
    () => text('HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\nconnection: upgrade\r\n\r\n'),
    () => text('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2'),
    () => Buffer.alloc(0), // closes without a byte
  ];
  const kind = kinds[int(kinds.length)] ?? kinds[0];
  return { bytes: kind?.() ?? Buffer.alloc(0), reset: random() < 0.2 };
}

interface ClientResult {
  status: number | undefined;
  body: string;
  error: string | undefined;
}

function send(url: string, id: string): Promise<ClientResult> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/generate`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-request-id': id } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body, error: undefined }));
      res.on('error', (error) => resolve({ status: res.statusCode, body, error: error.message }));
      res.on('close', () => resolve({ status: res.statusCode, body, error: 'closed' }));
    });
    req.on('error', (error) => resolve({ status: undefined, body: '', error: error.message }));
    req.end(JSON.stringify({ text: id, stream: id.endsWith('s') }));
  });
}

describe('a worker sending malformed responses', async () => {
  const random = seededRandom(SEED);
  const collector = await startTestCollector();
  const worker = await startRawWorker((socket: Socket, request) => {
    if (!request.head.startsWith('POST ')) {
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      return;
    }
    const { bytes, reset } = malformation(random);
    socket.write(bytes);
    if (reset) socket.resetAndDestroy();
    else socket.end();
  });
  const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: collector.url, requestTimeoutSecs: 30 });

  it(`${CASES} random malformations of status line, headers, chunk framing and SSE framing: the proxy stays up, answers each client, records each request once, leaks no socket`, async () => {
    const results: ClientResult[] = [];
    for (let batch = 0; batch < CASES; batch += 10) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => send(proxy.url, `fz-${batch + i}${(batch + i) % 3 === 0 ? 's' : ''}`)))));
    }
    expect(results).toHaveLength(CASES);
    // Before any response byte: a 502 from the error table. After: the worker's status, then a cut or an SSE error event.
    for (const result of results) {
      if (result.status === 502 && result.error === undefined && result.body.startsWith('{"error"')) {
        expect(JSON.parse(result.body)).toEqual({ error: { code: 'worker_unreachable', message: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+: /) } });
      } else expect(result.status === undefined || (result.status >= 200 && result.status <= 599)).toBe(true);
    }
    expect(results.filter((result) => result.status === 502).length).toBeGreaterThan(0);

    // Still up and serving its own routes.
    expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?limit=10000`)).json()) as StoredTrace[];
    const ids = traces.map((trace) => trace.request_id).filter((id) => id.startsWith('fz-'));
    expect(ids).toHaveLength(CASES);
    expect(new Set(ids).size).toBe(CASES);
    await waitFor(async () => {
      const sockets = await proxy.sockets();
      return sockets.clientConnections === 0 && sockets.upstreamActive === 0;
    }, 5000, 'every client and upstream socket closed');
    expect(proxy.workers[0]?.inFlight).toBe(0);
  });
});
