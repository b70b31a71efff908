import { Agent, request } from 'node:http';
import { join } from 'node:path';
import type { BenchContext, Figure } from '../figure.js';
import { startPinned } from '../processes.js';
import { FAST_WORKER, proxyArgs } from './overhead-workload.js';

const body = (id: number): string => JSON.stringify({ text: `visibility probe ${id}`, sampling_params: { max_new_tokens: 1 } });

function send(agent: Agent, url: string, method: string, payload: string | undefined, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/**
 * Visibility delay as a user sees it: a request through the proxy, then `GET /v1/traces/<id>`
 * on the collector repeated at once until it answers 200; the delay runs from the response's
 * end to that 200. `loadConcurrency` > 0 keeps that many other requests in flight meanwhile;
 * `gapMs` waits that long before each probe.
 */
export async function measureVisibility(proxyUrl: string, collectorUrl: string, probes: number, loadConcurrency: number, tag: string, gapMs = 0): Promise<{ delays: number[]; loadRequests: number }> {
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const lookupAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const loadAgent = new Agent({ keepAlive: true, maxSockets: loadConcurrency });
  let running = true;
  let loadRequests = 0;
  const loops = Array.from({ length: loadConcurrency }, async (_, loop) => {
    while (running) {
      await send(loadAgent, `${proxyUrl}/generate`, 'POST', body(loop));
      loadRequests++;
    }
  });
  const delays: number[] = [];
  try {
    for (let i = 0; i < probes; i++) {
      // A gap makes the proxy idle between probes (nothing sent for a while), as for a user who looks now and then.
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      const id = `vis-${tag}-${i}`;
      await send(probeAgent, `${proxyUrl}/generate`, 'POST', body(i), { 'x-request-id': id });
      const answered = performance.now();
      while ((await send(lookupAgent, `${collectorUrl}/v1/traces/${id}`, 'GET', undefined)) !== 200) {
        if (performance.now() - answered > 10_000) throw new Error(`${id} not visible after 10 s`);
      }
      delays.push(performance.now() - answered);
    }
  } finally {
    running = false;
    await Promise.all(loops);
    for (const agent of [probeAgent, lookupAgent, loadAgent]) agent.destroy();
  }
  return { delays, loadRequests };
}

/** Figure 7: how soon a record can be looked up after its response, idle and under load. */
export async function visibility(ctx: BenchContext): Promise<Figure[]> {
  const group = '7. record visibility (response end → GET /v1/traces/<id> = 200)';
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const sim = await startPinned('sim', ['--port', '0', ...FAST_WORKER]);
    started.push(sim);
    const collector = await startPinned('collector', ['--port', '0', '--db', join(ctx.workDir, 'visibility.db'), '--max-trace-entries', '1000000']);
    started.push(collector);
    const proxy = await startPinned('proxy', proxyArgs(sim.url, collector.url));
    started.push(proxy);
    const probes = ctx.quick ? 50 : 200;
    await measureVisibility(proxy.url, collector.url, 50, 0, 'warmup');
    const idle = await measureVisibility(proxy.url, collector.url, probes, 0, 'idle', 100);
    const sequential = await measureVisibility(proxy.url, collector.url, probes, 0, 'sequential');
    const loaded = await measureVisibility(proxy.url, collector.url, probes, 16, 'load');
    const figure = (name: string, value: number, target?: Figure['target']): Figure => ({ group, name, value, unit: 'ms', ...(target === undefined ? {} : { target }) });
    return [
      figure('idle (a request every 100 ms) p50', percentile(idle.delays, 50), { op: '<=', value: 10 }),
      figure('idle (a request every 100 ms) p99', percentile(idle.delays, 99)),
      figure('one client back to back p50', percentile(sequential.delays, 50)),
      figure('one client back to back p99', percentile(sequential.delays, 99)),
      figure('under load (16 in flight) p50', percentile(loaded.delays, 50)),
      figure('under load (16 in flight) p99', percentile(loaded.delays, 99)),
    ];
  } finally {
    for (const server of started.reverse()) await server.stop();
  }
}
