import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';
import { startTestCollector } from '../helpers/collector.js';
import { startTestProxy, startWorkers } from '../helpers/stack.js';
import type { StoredTrace } from '#shared/api-types.js';
import type { SimWorker } from '../../sim/worker.js';

/** A stand-in for sgl-router: round robin over the workers, optionally naming the worker in a header. */
async function startStubRouter(workers: SimWorker[], workerHeader: string | undefined): Promise<string> {
  let next = 0;
  const server: Server = createServer((req, res) => {
    // Only inference requests rotate (health checks must not move the counter).
    const worker = req.method === 'POST' ? workers[next++ % workers.length] : workers[0];
    if (worker === undefined) return res.end();
    const upstream = httpRequest(`${worker.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers, ...(workerHeader === undefined ? {} : { [workerHeader]: worker.url }) };
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const body = { text: 'hello router', sampling_params: { max_new_tokens: 1 } };

async function sendAndList(proxyUrl: string, collectorUrl: string, flush: () => Promise<void> | undefined, count: number): Promise<StoredTrace[]> {
  for (let i = 0; i < count; i++) await postJson(`${proxyUrl}/generate`, body);
  await flush();
  const { request } = await import('../helpers/http.js');
  return ((await request(`${collectorUrl}/v1/traces`)).json as StoredTrace[]).reverse();
}

describe('front-of-router mode, router names the worker', async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(2);
  const router = await startStubRouter(workers, 'x-sglang-worker');
  const proxy = await startTestProxy({ routerUrl: router, routerPolicy: 'round_robin', workerUrls: workers.map((w, i) => `gpu-${i}=${w.url}`), collectorUrl: collector.url });

  it('records the worker from X-SGLang-Worker with attribution "header"', async () => {
    const traces = await sendAndList(proxy.url, collector.url, () => proxy.exporter?.forceFlush(), 4);
    expect(traces.map((trace) => [trace.node_id, trace.worker_url, trace.attribution, trace.routing_policy])).toEqual([
      ['gpu-0', workers[0]?.url, 'header', 'round_robin'],
      ['gpu-1', workers[1]?.url, 'header', 'round_robin'],
      ['gpu-0', workers[0]?.url, 'header', 'round_robin'],
      ['gpu-1', workers[1]?.url, 'header', 'round_robin'],
    ]);
    expect(traces.every((trace) => trace.queue_size === null && trace.prompt_tokens === 2)).toBe(true);
  });

  it('passes the worker to the client in X-SGLang-Worker', async () => {
    const response = await postJson(`${proxy.url}/generate`, body);
    expect([workers[0]?.url, workers[1]?.url]).toContain(response.headers['x-sglang-worker']);
  });
});

describe('front-of-router mode, x-smg-routed-worker-id without --worker-urls', async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(1);
  const router = await startStubRouter(workers, 'x-smg-routed-worker-id');
  const proxy = await startTestProxy({ routerUrl: router, collectorUrl: collector.url });

  it('reads x-smg-routed-worker-id by default; an unnamed worker gets host:port as node id', async () => {
    const [trace] = await sendAndList(proxy.url, collector.url, () => proxy.exporter?.forceFlush(), 1);
    expect(trace).toMatchObject({ node_id: new URL(String(workers[0]?.url)).host, worker_url: workers[0]?.url, attribution: 'header', routing_policy: 'cache_aware' });
  });
});

describe('front-of-router mode, router says nothing', async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(2);
  const router = await startStubRouter(workers, undefined);
  const plain = await startTestProxy({ routerUrl: router, collectorUrl: collector.url });

  it('records the router itself with attribution "router"', async () => {
    const [trace] = await sendAndList(plain.url, collector.url, () => plain.exporter?.forceFlush(), 1);
    expect(trace).toMatchObject({ node_id: 'router', worker_url: router, attribution: 'router', status: 'completed' });
  });

  it('estimates round robin with --infer-worker, attribution "inferred"', async () => {
    const collector2 = await startTestCollector();
    const inferring = await startTestProxy({ routerUrl: router, collectorUrl: collector2.url, workerUrls: workers.map((w) => w.url), inferWorker: 'round_robin' });
    const traces = await sendAndList(inferring.url, collector2.url, () => inferring.exporter?.forceFlush(), 4);
    expect(traces.map((trace) => [trace.node_id, trace.attribution])).toEqual([
      ['worker-0', 'inferred'],
      ['worker-1', 'inferred'],
      ['worker-0', 'inferred'],
      ['worker-1', 'inferred'],
    ]);
  });
});

describe('one-worker sidecar behind a router', async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(1);
  const sidecar = await startTestProxy({ workerUrls: [`worker-3=${workers[0]?.url}`], routerPolicy: 'cache_aware', collectorUrl: collector.url });

  it('records the router\'s policy from --router-policy, with exact attribution', async () => {
    const [trace] = await sendAndList(sidecar.url, collector.url, () => sidecar.exporter?.forceFlush(), 1);
    expect(trace).toMatchObject({ node_id: 'worker-3', worker_url: workers[0]?.url, routing_policy: 'cache_aware', attribution: 'proxy', queue_size: 0 });
  });
});
