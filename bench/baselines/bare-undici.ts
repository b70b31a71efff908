#!/usr/bin/env node
// The bench's undici baseline: a Pool with `dispatch` writing straight into the client
// response, hop-by-hop handling reduced to dropping Connection/Transfer-Encoding, no tracing.
// What routetrace's engine costs at its leanest. Usage: node bare-undici.js <upstream-url>.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const upstream = process.argv[2];
if (upstream === undefined) throw new Error('usage: bare-undici <upstream-url>');
const pool = new Pool(upstream, { keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 });

class Exchange implements Dispatcher.DispatchHandler {
  constructor(readonly res: ServerResponse) {}
  onRequestStart(): void {}
  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return;
    delete headers.connection;
    delete headers['keep-alive'];
    delete headers['transfer-encoding'];
    this.res.writeHead(status, headers);
  }
  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.res.write(chunk);
  }
  onResponseEnd(): void {
    this.res.end();
  }
  onResponseError(): void {
    if (this.res.headersSent) this.res.destroy();
    else this.res.writeHead(502).end();
  }
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const headers = { ...req.headers };
    delete headers.connection;
    delete headers['transfer-encoding'];
    delete headers.host;
    pool.dispatch({ method: (req.method ?? 'GET'), path: req.url ?? '/', headers, body: chunks.length === 0 ? null : Buffer.concat(chunks) }, new Exchange(res));
  });
}

const server = createServer(onRequest);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address !== null && typeof address === 'object') process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
