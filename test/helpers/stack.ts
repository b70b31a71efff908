import { afterAll } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import type { RunningCollector } from '../../collector/collector.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../proxy/proxy.js';
import { startSimWorker, type SimWorker, type SimWorkerOptions } from '../../sim/worker.js';
import { startTestCollector } from './collector.js';
import { request } from './http.js';

export interface Stack {
  collector: RunningCollector;
  workers: SimWorker[];
  proxy: RunningProxy;
  /** Flushes the proxy's exporter, then lists the stored records (newest first). */
  traces(query?: string): Promise<StoredTrace[]>;
}

/** Starts simulated workers, each closed after the test file. */
export async function startWorkers(count: number, options: SimWorkerOptions = {}): Promise<SimWorker[]> {
  const workers = await Promise.all(Array.from({ length: count }, (_, i) => startSimWorker({ name: `worker-${i}`, ...options })));
  afterAll(() => Promise.all(workers.map((worker) => worker.close())));
  return workers;
}

/** A proxy on 127.0.0.1:0, closed after the test file. */
export async function startTestProxy(options: ProxyOptions): Promise<RunningProxy> {
  const proxy = await startProxy({ port: 0, healthCheckIntervalSecs: 60, loadCheckIntervalSecs: 0, shutdownGraceSecs: 0.2, ...options });
  afterAll(() => proxy.close());
  return proxy;
}

/** Collector + simulated workers + proxy in gateway mode, all on loopback. */
export async function startStack(options: { workers?: number; sim?: SimWorkerOptions; proxy?: Partial<ProxyOptions> } = {}): Promise<Stack> {
  const collector = await startTestCollector();
  const workers = await startWorkers(options.workers ?? 2, options.sim);
  const proxy = await startTestProxy({ workerUrls: workers.map((worker) => worker.url), collectorUrl: collector.url, ...options.proxy });
  return {
    collector,
    workers,
    proxy,
    async traces(query = '?limit=10000') {
      await proxy.exporter?.forceFlush();
      return (await request(`${collector.url}/v1/traces${query}`)).json as StoredTrace[];
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}
