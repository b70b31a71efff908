import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { request } from '../helpers/http.js';
import { startHttpWorker } from '../helpers/http-worker.js';
import { startTestProxy } from '../helpers/stack.js';

describe('hop-by-hop headers through the proxy (RFC 9110 §7.6.1)', async () => {
  const collector = await startTestCollector();
  const worker = await startHttpWorker((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive, x-worker-hop', 'keep-alive': 'timeout=77', 'x-worker-hop': 'private', 'proxy-authenticate': 'Basic', 'x-kept': 'yes' });
    res.end('{"text":"ok"}');
  });
  const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: collector.url });

  it('are not forwarded to the worker, nor back to the client; end-to-end headers are', async () => {
    const response = await request(`${proxy.url}/generate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        connection: 'keep-alive, x-client-hop',
        'keep-alive': 'timeout=30',
        'x-client-hop': 'private',
        te: 'trailers',
        'proxy-authorization': 'Basic c2VjcmV0',
        'proxy-connection': 'keep-alive',
        'x-end-to-end': 'kept',
      },
      body: '{"text":"hi"}',
    });
    expect(response.status).toBe(200);
    const sent = worker.requests.at(-1)?.headers ?? {};
    for (const name of ['x-client-hop', 'te', 'proxy-authorization', 'proxy-connection', 'keep-alive']) expect(sent[name]).toBeUndefined();
    expect(sent.connection).not.toContain('x-client-hop');
    expect(sent['x-end-to-end']).toBe('kept');
    for (const name of ['x-worker-hop', 'proxy-authenticate']) expect(response.headers[name]).toBeUndefined();
    // The client's own connection may carry the proxy's Keep-Alive; never the worker's.
    expect(response.headers['keep-alive']).not.toBe('timeout=77');
    expect(response.headers.connection).not.toContain('x-worker-hop');
    expect(response.headers['x-kept']).toBe('yes');
  });
});
