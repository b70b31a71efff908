import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import type { SimWorker } from '../../sim/worker.js';
import { startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { findBinary, startHaproxy, startNginx, startSmgStandIn } from '../helpers/routers.js';
import { startTestProxy, startWorkers } from '../helpers/stack.js';

const NGINX = findBinary('nginx');
const HAPROXY = findBinary('haproxy');
/** A title that says why a suite was skipped: its router binary is not installed (apt package of the same name). */
const unless = (binary: string | undefined, name: string): string => (binary === undefined ? `[SKIPPED: ${name} not installed; apt-get install ${name}] ` : '');
const body = { text: 'which worker served me?', sampling_params: { max_new_tokens: 1 } };

/** Sends `count` requests with known ids through the proxy and returns their records, oldest first. */
async function sendThrough(proxyUrl: string, collectorUrl: string, flush: () => Promise<void> | undefined, prefix: string, count: number): Promise<StoredTrace[]> {
  for (let i = 0; i < count; i++) {
    const response = await postJson(`${proxyUrl}/generate`, body, { 'x-request-id': `${prefix}-${i}` });
    expect(response.status).toBe(200);
  }
  await flush();
  const traces = (await request(`${collectorUrl}/v1/traces?limit=1000`)).json as StoredTrace[];
  return traces.filter((trace) => trace.request_id.startsWith(`${prefix}-`)).reverse();
}

/** The worker that really received the request (its rid log), as `[node name, url]`. */
function servedBy(workers: SimWorker[], requestId: string): [string, string] | undefined {
  const index = workers.findIndex((worker) => worker.stats().rids.includes(requestId));
  const worker = workers[index];
  return worker === undefined ? undefined : [`gpu-${index}`, worker.url];
}

describe('behind an SGLang Model Gateway stand-in (x-smg-routed-worker-id: URL@rank), default flags', async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(2);
  const gateway = await startSmgStandIn(workers.map((worker) => worker.url));
  const proxy = await startTestProxy({ routerUrl: gateway, workerUrls: workers.map((worker, i) => `gpu-${i}=${worker.url}`), collectorUrl: collector.url });

  it('records the worker that served each request, its dp_rank, attribution "header"', async () => {
    const traces = await sendThrough(proxy.url, collector.url, () => proxy.exporter?.forceFlush(), 'smg', 4);
    expect(traces.map((trace) => [trace.node_id, trace.worker_url, trace.dp_rank, trace.attribution])).toEqual(
      traces.map((trace) => {
        const [node, url] = servedBy(workers, trace.request_id) ?? ['?', '?'];
        return [node, url, node === 'gpu-0' ? 0 : 1, 'header'];
      }),
    );
    expect(new Set(traces.map((trace) => trace.node_id))).toEqual(new Set(['gpu-0', 'gpu-1']));
  });
});

describe.skipIf(NGINX === undefined)(`${unless(NGINX, 'nginx')}behind a real nginx (add_header X-Upstream $upstream_addr)`, async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(2);
  const nginx = await startNginx(NGINX ?? 'nginx', await freePort(), workers.map((worker) => new URL(worker.url).host));
  const proxy = await startTestProxy({ routerUrl: nginx, workerUrls: workers.map((worker, i) => `gpu-${i}=${worker.url}`), workerHeader: 'x-upstream', collectorUrl: collector.url });

  it('maps host:port to the --worker-urls names: every record names the worker that served it', async () => {
    const traces = await sendThrough(proxy.url, collector.url, () => proxy.exporter?.forceFlush(), 'nginx', 6);
    expect(traces.map((trace) => [trace.node_id, trace.worker_url, trace.attribution, trace.attempts])).toEqual(
      traces.map((trace) => [...(servedBy(workers, trace.request_id) ?? ['?', '?']), 'header', 1]),
    );
    expect(new Set(traces.map((trace) => trace.node_id))).toEqual(new Set(['gpu-0', 'gpu-1']));
  });
});

describe.skipIf(NGINX === undefined)(`${unless(NGINX, 'nginx')}behind a real nginx that retried (a dead server, then a backup)`, async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(1);
  const dead = await freePort();
  const live = new URL(workers[0]?.url ?? '').host;
  // max_fails=0: nginx keeps trying the dead server first, so every request is retried once.
  const nginx = await startNginx(NGINX ?? 'nginx', await freePort(), [`127.0.0.1:${dead} max_fails=0`, `${live} backup`]);
  const proxy = await startTestProxy({ routerUrl: nginx, workerUrls: [`gpu-0=${workers[0]?.url}`], workerHeader: 'x-upstream', collectorUrl: collector.url });

  it('reads the list: the last entry served, attempts = 2', async () => {
    const response = await postJson(`${proxy.url}/generate`, body, { 'x-request-id': 'probe-retry' });
    expect(response.headers['x-upstream']).toBe(`127.0.0.1:${dead}, ${live}`);
    const traces = await sendThrough(proxy.url, collector.url, () => proxy.exporter?.forceFlush(), 'nginx-retry', 3);
    expect(traces.map((trace) => [trace.node_id, trace.worker_url, trace.attribution, trace.attempts])).toEqual([
      ['gpu-0', workers[0]?.url, 'header', 2],
      ['gpu-0', workers[0]?.url, 'header', 2],
      ['gpu-0', workers[0]?.url, 'header', 2],
    ]);
  });
});

describe.skipIf(HAPROXY === undefined)(`${unless(HAPROXY, 'haproxy')}behind a real HAProxy (http-response set-header X-Upstream %si:%sp)`, async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(2);
  const haproxy = await startHaproxy(HAPROXY ?? 'haproxy', await freePort(), workers.map((worker) => worker.url));

  it('maps host:port to the --worker-urls names: every record names the worker that served it', async () => {
    const proxy = await startTestProxy({ routerUrl: haproxy, workerUrls: workers.map((worker, i) => `gpu-${i}=${worker.url}`), workerHeader: 'X-Upstream', collectorUrl: collector.url });
    const traces = await sendThrough(proxy.url, collector.url, () => proxy.exporter?.forceFlush(), 'haproxy', 6);
    expect(traces.map((trace) => [trace.node_id, trace.worker_url, trace.attribution])).toEqual(
      traces.map((trace) => [...(servedBy(workers, trace.request_id) ?? ['?', '?']), 'header']),
    );
    expect(new Set(traces.map((trace) => trace.node_id))).toEqual(new Set(['gpu-0', 'gpu-1']));
  });

  it('without --worker-urls, the node id is host:port and the worker_url a synthesized http://host:port', async () => {
    const proxy = await startTestProxy({ routerUrl: haproxy, workerHeader: 'x-upstream', collectorUrl: collector.url });
    const traces = await sendThrough(proxy.url, collector.url, () => proxy.exporter?.forceFlush(), 'haproxy-bare', 2);
    expect(traces.map((trace) => [trace.node_id, trace.worker_url])).toEqual(
      traces.map((trace) => {
        const url = servedBy(workers, trace.request_id)?.[1] ?? '?';
        return [new URL(url).host, url];
      }),
    );
  });
});
