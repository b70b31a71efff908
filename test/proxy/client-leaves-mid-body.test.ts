import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { startTestCollector } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { startHttpWorker } from '../helpers/http-worker.js';
import { startTestProxy, waitFor } from '../helpers/stack.js';

/** Sends headers promising 10,000 bytes, writes 100, and leaves once `ready` says the proxy is reading. */
function leaveMidBody(url: string, id: string, ready: () => boolean | Promise<boolean>): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': 10_000, 'x-request-id': id } });
    req.on('error', () => resolve());
    req.write(`{"text":"${'a'.repeat(90)}`);
    waitFor(ready, 5000, 'the proxy to take the request')
      .then(() => req.destroy())
      .catch(() => req.destroy());
  });
}

describe('a client that leaves in the middle of its request body', async () => {
  const collector = await startTestCollector();
  const worker = await startHttpWorker((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"ok"}'));
  const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: collector.url });

  it('on a parsed endpoint: nothing reaches the worker, nothing is recorded, the socket is released', async () => {
    await leaveMidBody(`${proxy.url}/generate`, 'left-parsed', async () => (await proxy.sockets()).clientConnections === 1);
    await waitFor(async () => (await proxy.sockets()).clientConnections === 0, 5000, 'the client socket to close');
    expect(worker.requests.filter((request) => request.url === '/generate')).toEqual([]);
    // The proxy serves the next request as usual.
    expect((await postJson(`${proxy.url}/generate`, { text: 'next' }, { 'x-request-id': 'after-left' })).status).toBe(200);
    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?limit=100`)).json()) as StoredTrace[];
    expect(traces.map((trace) => trace.request_id)).toEqual(['after-left']);
  });

  it('on a streamed endpoint: the upstream request is aborted and the request recorded as cancelled', async () => {
    await leaveMidBody(`${proxy.url}/v1/embeddings`, 'left-streamed', async () => (await proxy.sockets()).upstreamActive === 1);
    await waitFor(async () => {
      await proxy.exporter?.forceFlush();
      return ((await (await fetch(`${collector.url}/v1/traces?request_id=left-streamed`)).json()) as unknown[]).length === 1;
    }, 5000, 'the record');
    const traces = (await (await fetch(`${collector.url}/v1/traces?request_id=left-streamed`)).json()) as unknown[];
    expect(traces).toEqual([expect.objectContaining({ status: 'cancelled', http_status: null, error: 'client closed the connection', path: '/v1/embeddings' })]);
    await waitFor(async () => (await proxy.sockets()).upstreamActive === 0, 5000, 'the upstream socket to close');
    expect(proxy.workers[0]?.inFlight).toBe(0);
  });
});
