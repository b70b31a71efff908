import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { startStack, startTestProxy, startWorkers } from '../helpers/stack.js';

const generate = (text: string) => ({ text, sampling_params: { max_new_tokens: 1 } });

describe('/flush_cache: a POST fans out to every worker and is not traced; a GET flushes nothing', async () => {
  const stack = await startStack({ workers: 2, proxy: { policy: 'round_robin' } });
  const cached = (): number[] => stack.workers.map((worker) => worker.stats().cacheTokens);

  it('GET /flush_cache answers 405 method_not_allowed (Allow: POST) and every cache stays', async () => {
    for (let i = 0; i < 2; i++) await postJson(`${stack.proxy.url}/generate`, generate(`warm the cache ${i}`));
    expect(cached().every((tokens) => tokens > 0)).toBe(true);
    const before = cached();
    const response = await request(`${stack.proxy.url}/flush_cache`);
    expect({ status: response.status, allow: response.headers.allow, body: response.json }).toEqual({
      status: 405, allow: 'POST', body: { error: { code: 'method_not_allowed', message: '/flush_cache empties every worker\'s prefix cache: use POST' } },
    });
    expect(cached()).toEqual(before);
  });

  it('POST /flush_cache empties every worker\'s cache, answers per worker, and stores no record', async () => {
    const response = await request(`${stack.proxy.url}/flush_cache`, { method: 'POST' });
    expect({ status: response.status, body: response.json }).toEqual({
      status: 200,
      body: { workers: stack.workers.map((worker, i) => ({ node_id: `worker-${i}`, url: worker.url, status: 200, body: 'Cache flushed.\n' })) },
    });
    expect(cached()).toEqual([0, 0]);
    const traces = await stack.traces();
    expect(traces.map((trace) => trace.path)).toEqual(['/generate', '/generate']);
  });
});

describe('a sidecar whose only worker is down: /health 503, /liveness 200, HEAD answered locally', async () => {
  const workers = await startWorkers(1);
  const proxy = await startTestProxy({ workerUrls: [workers[0]?.url ?? ''], tracing: false });
  const healthBody = (status: string, healthy: number) => ({ status, version: expect.any(String), mode: 'gateway', uptime_seconds: expect.any(Number), healthy_workers: healthy, workers: 1 });

  it('while the worker is up: GET and HEAD /health 200, and the worker never sees the HEAD', async () => {
    await proxy.monitor.firstCheck;
    const get = await request(`${proxy.url}/health`);
    expect({ status: get.status, body: get.json }).toEqual({ status: 200, body: healthBody('ok', 1) });
    const head = await request(`${proxy.url}/health`, { method: 'HEAD' });
    expect({ status: head.status, text: head.text }).toEqual({ status: 200, text: '' });
    expect(workers[0]?.stats().recent.filter((entry) => entry.method === 'HEAD')).toEqual([]);
  });

  it('once the worker is down: GET /health 503 no_healthy_worker, HEAD /health 503, /liveness still 200', async () => {
    await workers[0]?.close();
    await proxy.monitor.checkHealth();
    const get = await request(`${proxy.url}/health`);
    expect({ status: get.status, body: get.json }).toEqual({ status: 503, body: healthBody('no_healthy_worker', 0) });
    expect((await request(`${proxy.url}/health`, { method: 'HEAD' })).status).toBe(503);
    const live = await request(`${proxy.url}/liveness`);
    expect({ status: live.status, body: live.json }).toEqual({ status: 200, body: healthBody('ok', 0) });
  });
});

/** A collector stand-in that logs what reaches it and streams `/v1/traces/stream` one event per `send()`. */
async function startCollectorStandIn(): Promise<{ url: string; seen: string[]; send: (data: string) => void; streamOpen: Promise<void> }> {
  const seen: string[] = [];
  let stream: ServerResponse | undefined;
  let opened: () => void = () => undefined;
  const streamOpen = new Promise<void>((resolve) => (opened = resolve));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/v1/traces/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      stream = res;
      opened();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, send: (data) => stream?.write(`data: ${data}\n\n`), streamOpen };
}

describe('the proxy port serves only the collector\'s READ API (issue 14 item 2)', async () => {
  const collector = await startCollectorStandIn();
  const workers = await startWorkers(1);
  const proxy = await startTestProxy({ workerUrls: [workers[0]?.url ?? ''], collectorUrl: collector.url, tracing: false });

  it('POST, PUT and DELETE on /v1/traces and /traces answer 405 and never reach the collector', async () => {
    for (const [method, path] of [['POST', '/v1/traces'], ['PUT', '/v1/traces/x'], ['DELETE', '/traces'], ['POST', '/dashboard']] as const) {
      const response = await request(`${proxy.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(makeRecord()) });
      expect({ status: response.status, allow: response.headers.allow, body: response.json }).toEqual({
        status: 405, allow: 'GET, HEAD', body: { error: { code: 'method_not_allowed', message: `${method} ${path} is not served on the proxy port: send records to the collector's own port` } },
      });
    }
    expect(collector.seen).toEqual([]);
  });

  it('forwards GET and HEAD of /v1/traces*, /traces*, /dashboard and /dashboard/*', async () => {
    const paths = ['/v1/traces?limit=1', '/v1/traces/abc', '/traces/stats', '/dashboard', '/dashboard/app.js'];
    for (const path of paths) expect((await request(`${proxy.url}${path}`)).json).toEqual({ ok: true });
    expect((await request(`${proxy.url}/v1/traces`, { method: 'HEAD' })).status).toBe(200);
    expect(collector.seen).toEqual([...paths.map((path) => `GET ${path}`), 'HEAD /v1/traces']);
  });

  it('streams /v1/traces/stream through unbuffered: each event arrives before the next is sent', async () => {
    const events: string[] = [];
    let onEvent: () => void = () => undefined;
    const req = httpRequest(`${proxy.url}/v1/traces/stream`, { agent: false, headers: { accept: 'text/event-stream' } });
    // http-proxy sends the status line with the first body bytes, so the response is awaited
    // together with the first event.
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', (res: IncomingMessage) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          events.push(...chunk.split('\n\n').filter((part) => part.startsWith('data: ')));
          onEvent();
        });
        resolve(res);
      });
      req.once('error', reject);
      req.end();
    });
    await collector.streamOpen;
    for (const n of [1, 2, 3]) {
      const arrived = new Promise<void>((resolve) => (onEvent = () => events.length >= n && resolve()));
      collector.send(`{"n":${n}}`);
      await arrived; // would hang (and time out) if the proxy held the stream back
    }
    const { headers } = await response;
    expect({ type: headers['content-type'], events }).toEqual({ type: 'text/event-stream', events: ['data: {"n":1}', 'data: {"n":2}', 'data: {"n":3}'] });
    req.destroy();
  });
});
