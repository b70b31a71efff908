import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { RoutingRecordInput } from '#shared/record.js';
import { median, type BenchContext, type Figure } from '../figure.js';
import { SequentialClient } from '../http-client.js';
import { LOOP_PROBE, readLoopProbe, startPinned, type Pinned } from '../processes.js';
import { openScaleStore, type ScaleEngine } from './scale-engines.js';

const NODES = 16;
const BOTH_CORES = '0,1';
const FILL_SPAN_MS = 50 * 60 * 1000;

/** A record of a 16-node cluster: 0.1% failures, cache-aware decisions, time-ordered ids. */
function scaleRecord(run: string, i: number, timestamp: number): RoutingRecordInput {
  const hit = i % 3 !== 0;
  return {
    // Zero-padded sequence: ids sort by time, as the proxy's time-ordered ids do.
    record_id: `${run}-${String(i).padStart(10, '0')}`,
    request_id: `req-${run}-${i}`,
    node_id: `worker-${i % NODES}`,
    worker_url: `http://10.0.0.${i % NODES}:30001`,
    routing_policy: 'cache_aware',
    status: i % 1000 === 7 ? 'failed' : 'completed',
    timestamp,
    duration_ms: 80 + ((i * 7919) % 900),
    ttft_ms: 10 + ((i * 104729) % 120),
    http_status: 200,
    stream: i % 2 === 0,
    method: 'POST',
    path: '/generate',
    model: 'llama-3-8b',
    prompt_tokens: 400,
    completion_tokens: 64,
    cached_tokens: hit ? 320 : 0,
    cache_hit: hit,
    cache_hit_rate: hit ? 0.8 : 0,
    queue_size: i % 7,
    worker_load: i % 3,
    prefix_match_rate: hit ? 0.8 : 0.1,
    attempts: 1,
    proxy_id: 'bench-proxy',
    attribution: 'proxy',
    decision: hit ? 'tree_match' : 'min_load',
    candidate_loads: { [`worker-${i % NODES}`]: i % 5, [`worker-${(i + 1) % NODES}`]: (i + 2) % 5 },
  };
}

/** Batches a proxy would have retried (a 503, or a reset keep-alive socket), counted per run. */
export const retried = { count: 0, last: '' };

function postOnce(agent: Agent, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts a batch as the proxy's exporter does: a 503 or a reset socket is retried (and counted). */
async function post(agent: Agent, url: string, body: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await postOnce(agent, url, body).catch((error: unknown) => String(error));
    if (outcome === 200) return;
    if (attempt === 5 || (typeof outcome === 'number' && outcome !== 503)) throw new Error(`ingest answered ${outcome}`);
    retried.count += 1;
    retried.last = String(outcome);
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
}

/** Batch `b` of a run of `count` records routed over [firstMs, firstMs + spanMs), as a proxy's exporter sends it. */
function batchBody(run: string, b: number, count: number, firstMs: number, spanMs: number): string {
  const records = Array.from({ length: Math.min(1000, count - b * 1000) }, (_, k) => {
    const i = b * 1000 + k;
    return scaleRecord(run, i, Math.floor(firstMs + (spanMs * i) / count));
  });
  return JSON.stringify({ records, proxy_id: 'bench', dropped: 0 });
}

/**
 * Sends `count` records in batches of 1000, four batches in flight (four proxies). With
 * `bodies` (from batchBody) serialised before the clock starts, so the figure is the collector's
 * and not this process's JSON.stringify (it shares the machine's two cores with the collector).
 */
async function ingest(url: string, run: string, count: number, firstMs: number, spanMs: number, bodies?: string[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const batches = Math.ceil(count / 1000);
  let next = 0;
  const started = performance.now();
  await Promise.all([0, 1, 2, 3].map(async () => {
    while (next < batches) {
      const b = next++;
      await post(agent, `${url}/v1/traces`, bodies?.[b] ?? batchBody(run, b, count, firstMs, spanMs));
    }
  }));
  agent.destroy();
  return performance.now() - started;
}

/** utime + stime in ms from a /proc stat line (clock ticks of 10 ms). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of a process in ms. */
function cpuMs(pid: number | undefined): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU time per thread role in ms: the event loop ("MainThread"), the writer and reader threads
 * (named in writer-thread.ts and read-pool.ts; a build without them counts them as "other"), and
 * the ingest thread (ingest-thread.ts; a build without it parses on the event loop).
 */
function threadCpuMs(pid: number | undefined): Record<'eventLoop' | 'ingest' | 'writer' | 'other', number> {
  const out = { eventLoop: 0, ingest: 0, writer: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // /proc shows the first 15 bytes of a thread's name.
    const role = name === 'MainThread' ? 'eventLoop' : name.startsWith('routetrace-writ') ? 'writer' : name.startsWith('routetrace-inge') ? 'ingest' : 'other';
    out[role] += statCpuMs(stat);
  }
  return out;
}

/** The collector's own longest event-loop delay since the previous scrape (prom-client resets it per scrape). */
async function eventLoopMaxMs(url: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    request(`${url}/metrics`, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
  return Number(/^nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1] ?? Number.NaN) * 1000;
}

async function p50(client: SequentialClient, samples: number, url: (i: number) => string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await client.get(url(i)));
  return median(times);
}

export interface ScaleOptions {
  scales: number[];
  /** A collector build to measure instead of this one (`dist/collector/main.js` of another checkout). */
  collectorBin?: string;
  label: string;
  /** The store measured: a SQLite file, or a database on the bench's throwaway PostgreSQL server. Default: sqlite. */
  engine?: ScaleEngine;
}

/**
 * Issue 15's targets at each retained-row scale: fill (HTTP, batches of 1000), bytes per record,
 * WAL, query p50s, then ingest with the cap trimming every batch while stats are polled, with
 * the collector's longest event-loop stall and its CPU per record.
 */
export async function collectorScale(ctx: BenchContext, options: ScaleOptions): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const scale of options.scales) {
    const group = `${options.label} at ${scale.toLocaleString('en')} rows`;
    const store = await openScaleStore(ctx, options.engine ?? 'sqlite', options.label, scale);
    const args = ['--port', '0', '--db', store.location, '--max-trace-entries', String(scale), '--trace-ttl', '3600', '--retention-interval', '10'];
    // The loop probe times the event loop at 1 ms resolution (prom-client's timer: 10 ms).
    const collector: Pinned = await startPinned('collector', args, options.collectorBin, ['--import', LOOP_PROBE]);
    // Both cores for every thread of the collector (event loop, writer, reader): the writer
    // thread exists to use the second one. This process (the four "proxies") shares core 1.
    spawnSync('taskset', ['-a', '-cp', BOTH_CORES, String(collector.child.pid)], { stdio: 'ignore' });
    retried.count = 0;
    // The machine is shared: latency figures are only as good as the load they ran under.
    figures.push({ group, name: 'machine load average (1 min) at the start', value: loadavg()[0] ?? Number.NaN, unit: 'runnable' });
    try {
      const fillStart = Date.now() - FILL_SPAN_MS;
      ctx.log(`${group}: filling (${options.collectorBin ?? 'this build'})`);
      const fillMs = await ingest(collector.url, `fill${scale}`, scale, fillStart, FILL_SPAN_MS).catch((error: unknown) => {
        throw new Error(`fill failed: ${String(error)}; collector exit code ${collector.child.exitCode}, signal ${collector.child.signalCode}`);
      });
      store.afterFill();
      figures.push(
        { group, name: 'fill time (HTTP ingest, batches of 1000)', value: fillMs / 1000, unit: 's' },
        { group, name: 'bytes per retained record (with indexes and rollups)', value: (await store.bytes()) / scale, unit: 'B' },
      );
      const walAfterFill = store.walMiB();
      if (walAfterFill !== undefined) figures.push({ group, name: 'WAL after the fill', value: walAfterFill, unit: 'MiB' });

      const client = new SequentialClient();
      const base = collector.url;
      const samples = ctx.quick ? 10 : 30;
      const stats = await p50(client, samples, () => `${base}/v1/traces/stats`);
      const statsWindow = await p50(client, samples, () => `${base}/v1/traces/stats?window=300`);
      const series = await p50(client, samples, () => `${base}/v1/traces/timeseries?window=3600&step=60`);
      const pick = (i: number): number => Math.floor(((i * 7919) % 997) / 997 * scale);
      const lookup = await p50(client, samples * 3, (i) => `${base}/v1/traces/req-fill${scale}-${pick(i)}`);
      const page = await p50(client, samples * 3, (i) => `${base}/v1/traces?limit=100&before=${Math.max(2, pick(i))}`);
      const deepPage = await p50(client, samples, () => `${base}/v1/traces?limit=100&before=${Math.floor(scale * 0.05) + 2}`);
      const nodePage = await p50(client, samples * 3, (i) => `${base}/v1/traces?limit=100&node_id=worker-${i % NODES}&before=${Math.max(2, pick(i))}`);
      const failedPage = await p50(client, samples, () => `${base}/v1/traces?limit=100&status=failed`);
      figures.push(
        { group, name: 'GET /v1/traces/stats (p50)', value: stats, unit: 'ms', target: { op: '<=', value: 20 } },
        { group, name: 'GET /v1/traces/stats?window=300 (p50)', value: statsWindow, unit: 'ms', target: { op: '<=', value: 20 } },
        { group, name: 'GET /v1/traces/timeseries?window=3600&step=60 (p50)', value: series, unit: 'ms', target: { op: '<=', value: 20 } },
        { group, name: 'GET /v1/traces/{request_id} (p50)', value: lookup, unit: 'ms', target: { op: '<=', value: 2 } },
        { group, name: 'page of 100, before=<random seq> (p50)', value: page, unit: 'ms', target: { op: '<=', value: 5 } },
        { group, name: 'page of 100, before= deep in history (p50)', value: deepPage, unit: 'ms', target: { op: '<=', value: 5 } },
        { group, name: 'page of 100, node_id= and before= (p50)', value: nodePage, unit: 'ms', target: { op: '<=', value: 5 } },
        { group, name: 'page of 100, status=failed at 0.1% failures (p50)', value: failedPage, unit: 'ms', target: { op: '<=', value: 5 } },
      );

      // The time series as a dashboard polling a live cluster sees it: a batch of 1000 lands
      // before each call, so the newest bucket changed and the cap trimmed the oldest. Before the
      // ingest below, which replaces the whole window's records at 100k.
      const seriesBodies = Array.from({ length: samples }, (_, b) => batchBody(`series${scale}`, b, samples * 1000, Date.now(), 1000));
      const seriesAgent = new Agent({ keepAlive: true, maxSockets: 1 });
      const liveSeries: number[] = [];
      for (const body of seriesBodies) {
        await post(seriesAgent, `${base}/v1/traces`, body);
        liveSeries.push(await client.get(`${base}/v1/traces/timeseries?window=3600&step=60`));
      }
      seriesAgent.destroy();
      figures.push({ group, name: 'GET /v1/traces/timeseries?window=3600&step=60 right after each new batch of 1000 (p50)', value: median(liveSeries), unit: 'ms', target: { op: '<=', value: 20 } });

      // Ingest past the cap (every batch makes retention trim), with a stats call every 100 ms.
      const records = ctx.quick ? 50_000 : 200_000;
      const liveStart = Date.now();
      const bodies = Array.from({ length: Math.ceil(records / 1000) }, (_, b) => batchBody(`live${scale}`, b, records, liveStart, 1000));
      await eventLoopMaxMs(base);
      await readLoopProbe(collector.child);
      const cpuBefore = cpuMs(collector.child.pid);
      const threadsBefore = threadCpuMs(collector.child.pid);
      let polling = true;
      const pollFailures = { count: 0, last: '' };
      const poller = (async () => {
        const statsClient = new SequentialClient();
        while (polling) {
          // A failed poll is counted, never left as an unhandled rejection while ingest runs.
          await statsClient.get(`${base}/v1/traces/stats`).catch((error: unknown) => {
            pollFailures.count += 1;
            pollFailures.last = String(error);
          });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        statsClient.close();
      })();
      const ingestMs = await ingest(base, `live${scale}`, records, liveStart, 1000, bodies);
      polling = false;
      await poller;
      const cpu = cpuMs(collector.child.pid) - cpuBefore;
      const threadsAfter = threadCpuMs(collector.child.pid);
      const perThousand = (ms: number): number => (ms / records) * 1000;
      const probe = await readLoopProbe(collector.child);
      const stall = await eventLoopMaxMs(base);
      client.close();
      figures.push(
        { group, name: 'batches retried by the client during fill and ingest (503 or reset socket)', value: retried.count, unit: 'batches', note: retried.last },
        { group, name: 'HTTP ingest past the cap, stats polled (batches of 1000)', value: records / (ingestMs / 1000), unit: 'records/s', target: { op: '>=', value: 100_000 } },
        { group, name: 'collector CPU per 1000 records during it', value: perThousand(cpu), unit: 'ms' },
        { group, name: '… of which the event loop (HTTP; before the ingest thread, also JSON.parse, validation, row mapping)', value: perThousand(threadsAfter.eventLoop - threadsBefore.eventLoop), unit: 'ms' },
        { group, name: '… of which the ingest thread (JSON.parse, validation, row mapping)', value: perThousand(threadsAfter.ingest - threadsBefore.ingest), unit: 'ms' },
        { group, name: '… of which the writer thread (transactions, rollups, retention deletes, checkpoints)', value: perThousand(threadsAfter.writer - threadsBefore.writer), unit: 'ms' },
        { group, name: 'stats polls that failed during it', value: pollFailures.count, unit: 'polls', note: pollFailures.last },
        // A timer records the gaps between its ticks: a stall of S ms shows as a gap of S to S + tick.
        { group, name: 'longest collector event-loop stall during it (longest gap between 1 ms ticks: S to S + 1)', value: probe.max_ms, unit: 'ms', target: { op: '<=', value: 20 } },
        { group, name: '… 99th percentile of those gaps', value: probe.p99_ms, unit: 'ms' },
        { group, name: '… as prom-client reports it (nodejs_eventloop_lag_max_seconds, 10 ms ticks: S to S + 10)', value: stall, unit: 'ms' },
      );
      const walAfter = store.walMiB();
      if (walAfter !== undefined) figures.push({ group, name: 'WAL after it', value: walAfter, unit: 'MiB' });
    } finally {
      await collector.stop();
    }
    figures.push(...(await store.afterStop(group)));
    await store.remove();
  }
  return figures;
}
