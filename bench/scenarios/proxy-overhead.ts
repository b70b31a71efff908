import { get } from 'node:http';
import { join } from 'node:path';
import { cpuMicros } from '../cpu.js';
import { median, type BenchContext, type Figure } from '../figure.js';
import { SequentialClient } from '../http-client.js';
import { freePort, startNginx } from '../nginx.js';
import { startPinned, startPinnedScript, type Pinned } from '../processes.js';
import { runWrk } from '../wrk.js';
import { BODY, CONNECTIONS, FAST_WORKER, proxyArgs } from './overhead-workload.js';


/** One forwarder under test: its URL, the processes whose CPU it costs, and a label. */
interface Contender {
  name: string;
  label: string;
  url: string;
  /** Its own processes (CPU per request); `collector` is counted apart. */
  pids: () => number[];
  /** The collector it ships records to, when tracing. */
  collectorPid?: number;
}

const cpuOf = (pids: number[]): number => pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);

/**
 * Every other round visits the contenders in reverse: on a shared machine what runs just before
 * a contender (a traced proxy's collector finishing its ingest, another job) changes its
 * figures, and a fixed order would hand the same neighbour to the same contender every round.
 */
function inRoundOrder<T>(items: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? items : [...items].reverse();
}

/**
 * The proxy's `routetrace_proxy_records_sent_total` (records its collector stored), NaN when it
 * cannot be read. A new connection each time: polls seconds apart would otherwise meet a
 * keep-alive socket the proxy is just closing.
 */
export function recordsSent(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(`${url}/metrics`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(Number(/^routetrace_proxy_records_sent_total (\d+)/m.exec(text)?.[1] ?? Number.NaN)));
      res.on('error', () => resolve(Number.NaN));
    });
    req.on('error', () => resolve(Number.NaN));
  });
}

/**
 * Waits until a traced proxy's collector has stored `count` more records than `since` (at most
 * 10 s): the records of a wrk run still queued when it ends are part of its cost, and their
 * ingest must not land on the next contender's measurement (same core).
 */
export async function recordsDelivered(url: string, since: number, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const sent = await recordsSent(url);
    if (sent - since >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Figure 1: what routetrace adds to a non-streaming /generate, against direct, nginx, a bare
 * http-proxy (the reference: the engine routetrace used to be built on) and a bare undici Pool
 * (the engine it is built on now). Set ROUTETRACE_BENCH_BEFORE to another build's dist/ folder
 * to measure that build too, in the same run (before/after figures).
 */
export async function proxyOverhead(ctx: BenchContext): Promise<Figure[]> {
  const group = '1. proxy overhead (/generate)';
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const sim = await startPinned('sim', ['--port', '0', ...FAST_WORKER]);
    started.push(sim);
    const collector = await startPinned('collector', ['--port', '0', '--db', join(ctx.workDir, 'overhead.db'), '--max-trace-entries', '1000000']);
    started.push(collector);
    const common = proxyArgs(sim.url);
    const own = (pinned: Pinned): (() => number[]) => () => (pinned.child.pid === undefined ? [] : [pinned.child.pid]);
    const contenders: Contender[] = [{ name: 'direct', label: 'direct to the worker', url: sim.url, pids: () => [] }];
    const add = async (name: string, label: string, start: Promise<Pinned>, traced = false): Promise<void> => {
      const pinned = await start;
      started.push(pinned);
      contenders.push({ name, label, url: pinned.url, pids: own(pinned), collectorPid: traced ? collector.child.pid : undefined });
    };
    if (ctx.nginx !== undefined) {
      const nginx = await startNginx(ctx.nginx, sim.url, await freePort(), ctx.workDir);
      started.push(nginx);
      contenders.push({ name: 'nginx', label: 'nginx (keep-alive reverse proxy)', url: nginx.url, pids: nginx.pids });
    }
    // DEP0060 (util._extend) is http-proxy's own; silenced in this bench-only baseline.
    await add('bare', 'bare http-proxy + keep-alive agent', startPinnedScript('bare-http-proxy', join(import.meta.dirname, '../baselines/bare-http-proxy.js'), [sim.url], ['--no-deprecation']));
    await add('undici', 'bare undici Pool.dispatch', startPinnedScript('bare-undici', join(import.meta.dirname, '../baselines/bare-undici.js'), [sim.url]));
    await add('untraced', 'routetrace --no-tracing', startPinned('proxy', [...common, '--no-tracing']));
    await add('traced', 'routetrace with tracing', startPinned('proxy', [...common, '--collector-url', collector.url]), true);
    const before = process.env.ROUTETRACE_BENCH_BEFORE;
    if (before !== undefined && before !== '') {
      const beforeProxy = join(before, 'proxy/main.js');
      await add('before-untraced', 'routetrace BEFORE --no-tracing', startPinnedScript('proxy-before', beforeProxy, [...common, '--no-tracing'], ['--no-deprecation']));
      await add('before-traced', 'routetrace BEFORE with tracing', startPinnedScript('proxy-before', beforeProxy, [...common, '--collector-url', collector.url], ['--no-deprecation']), true);
    }

    // Added latency, one request at a time on one keep-alive connection; rounds interleaved.
    const client = new SequentialClient();
    const perRound = ctx.quick ? 400 : 2000;
    const p50s: Record<string, number[]> = {};
    for (const contender of contenders) for (let i = 0; i < 300; i++) await client.post(`${contender.url}/generate`, BODY);
    for (let round = 0; round < ctx.rounds; round++) {
      for (const contender of inRoundOrder(contenders, round)) {
        const samples: number[] = [];
        for (let i = 0; i < perRound; i++) samples.push(await client.post(`${contender.url}/generate`, BODY));
        (p50s[contender.name] ??= []).push(median(samples));
      }
    }
    client.close();
    const p50 = (name: string): number => median(p50s[name] ?? []);
    const figures: Figure[] = [{ group, name: 'p50 latency direct, one at a time', value: p50('direct'), unit: 'ms' }];
    for (const contender of contenders.slice(1)) {
      const target = contender.name === 'traced' ? { op: '<=' as const, value: 0.3 } : undefined;
      figures.push({ group, name: `added p50 latency, ${contender.label}`, value: p50(contender.name) - p50('direct'), unit: 'ms', target });
    }

    if (ctx.wrk === undefined) {
      ctx.log('wrk unavailable: throughput and CPU figures skipped');
      return figures;
    }
    // Throughput under wrk on the other core, and CPU µs per request from /proc deltas. First an
    // unmeasured wrk run per contender: V8 keeps compiling on its own threads (CPU of the
    // process) for ~10–14 s of load (measured per thread in /proc/<pid>/task), so without it that
    // work landed in the first measured rounds, -c16's more than -c64's (-c16 runs first).
    for (const contender of contenders) {
      if (contender.pids().length === 0) continue;
      const sentBefore = contender.collectorPid === undefined ? 0 : await recordsSent(contender.url);
      const warm = runWrk(ctx.wrk, `${contender.url}/generate`, BODY, { connections: CONNECTIONS[CONNECTIONS.length - 1] ?? 64, seconds: ctx.quick ? 3 : 6, workDir: ctx.workDir });
      if (contender.collectorPid !== undefined) await recordsDelivered(contender.url, sentBefore, warm.requests);
    }
    const rps: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const collectorCpu: Record<string, number[]> = {};
    for (let round = 0; round < ctx.rounds; round++) {
      for (const connections of CONNECTIONS) {
        for (const contender of inRoundOrder(contenders, round)) {
          const key = `${contender.name}@${connections}`;
          const sentBefore = contender.collectorPid === undefined ? 0 : await recordsSent(contender.url);
          const cpuBefore = cpuOf(contender.pids());
          const collectorBefore = cpuMicros(contender.collectorPid);
          const result = runWrk(ctx.wrk, `${contender.url}/generate`, BODY, { connections, seconds: ctx.quick ? 2 : 4, workDir: ctx.workDir });
          if (contender.collectorPid !== undefined) await recordsDelivered(contender.url, sentBefore, result.requests);
          if (result.errors > 0) ctx.log(`wrk: ${result.errors} errors against ${contender.name} -c${connections}`);
          (rps[key] ??= []).push(result.requestsPerSec);
          (cpu[key] ??= []).push((cpuOf(contender.pids()) - cpuBefore) / result.requests);
          if (contender.collectorPid !== undefined) (collectorCpu[key] ??= []).push((cpuMicros(contender.collectorPid) - collectorBefore) / result.requests);
        }
      }
    }
    for (const connections of CONNECTIONS) {
      const throughput = (name: string): number => median(rps[`${name}@${connections}`] ?? []);
      for (const contender of contenders) {
        const key = `${contender.name}@${connections}`;
        figures.push({ group, name: `throughput -c${connections} ${contender.label}`, value: throughput(contender.name), unit: 'req/s' });
        if (contender.name === 'direct') continue;
        const target = contender.name === 'traced' ? { op: '>=' as const, value: 1 } : undefined;
        figures.push({ group, name: `  vs bare http-proxy -c${connections} ${contender.label}`, value: throughput(contender.name) / throughput('bare'), unit: 'ratio', target });
        const cpuTarget = contender.name === 'traced' ? { op: '<=' as const, value: 80 } : undefined;
        figures.push({ group, name: `  CPU per request -c${connections} ${contender.label}`, value: median(cpu[key] ?? []), unit: 'µs', target: cpuTarget });
        if (contender.collectorPid !== undefined) figures.push({ group, name: `  + its collector's CPU per record -c${connections}`, value: median(collectorCpu[key] ?? []), unit: 'µs' });
      }
      if (contenders.some((contender) => contender.name === 'nginx')) {
        figures.push({ group, name: `routetrace with tracing / nginx throughput -c${connections}`, value: throughput('traced') / throughput('nginx'), unit: 'ratio' });
      }
    }
    return figures;
  } finally {
    for (const process of started.reverse()) await process.stop();
  }
}
