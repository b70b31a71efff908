#!/usr/bin/env node
// The bench's reference forwarder: bare http-proxy 1.18 with a keep-alive agent and nothing
// else (the engine routetrace used before undici). Bench only: the product never loads it.
// Usage: node bare-http-proxy.js <upstream-url>; prints {"url":"http://127.0.0.1:<port>"}.
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const upstream = process.argv[2];
if (upstream === undefined) throw new Error('usage: bare-http-proxy <upstream-url>');
const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
const proxy = httpProxy.createProxyServer({ agent, target: upstream });
proxy.on('error', (_error, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502).end();
  else res.destroy();
});
const server = createServer((req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address !== null && typeof address === 'object') process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
