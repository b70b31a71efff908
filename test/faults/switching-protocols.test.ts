import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { startRawWorker } from '../helpers/raw-worker.js';
import { startTestProxy } from '../helpers/stack.js';

describe('a worker that answers 101 Switching Protocols to a plain request', async () => {
  const collector = await startTestCollector();
  const worker = await startRawWorker((socket, request) => {
    if (request.head.startsWith('GET /health')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    // An upgrade nobody asked for; the socket then stays open and silent.
    else socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
  });
  // The default deadline (1800 s): the answer must not wait for it.
  const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: collector.url });

  it('gets a 502 worker_unreachable at once (not the request deadline), recorded as failed', async () => {
    const response = await postJson(`${proxy.url}/generate`, { text: 'hi' }, { 'x-request-id': 'upgrade-1' });
    expect(response.status).toBe(502);
    expect(response.json).toEqual({ error: { code: 'worker_unreachable', message: expect.stringMatching(new RegExp(`^${worker.url}: `)) } });
    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?request_id=upgrade-1`)).json()) as unknown[];
    expect(traces).toEqual([expect.objectContaining({ status: 'failed', http_status: 502, attempts: 1 })]);
  });
});
