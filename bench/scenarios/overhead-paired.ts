import { join } from 'node:path';
import { cpuMicros } from '../cpu.js';
import { median, type BenchContext, type Figure } from '../figure.js';
import { startPinned, startPinnedScript, type Pinned } from '../processes.js';
import { startWrk } from '../wrk.js';
import { BODY, CONNECTIONS, FAST_WORKER, proxyArgs } from './overhead-workload.js';
import { recordsDelivered, recordsSent } from './proxy-overhead.js';


interface Side {
  name: string;
  label: string;
  proxy: Pinned;
}

/**
 * Before/after CPU per request measured side by side: this build's traced proxy and the
 * ROUTETRACE_BENCH_BEFORE build's, twice (the second copy is an A/A control), each under its
 * own wrk AT THE SAME TIME, all on the servers' core with one simulated worker and one
 * collector. What the machine does meanwhile (another job, cache and frequency changes) then
 * hits all three alike, and the per-round ratio to the first copy cancels it: with the
 * sequential rounds of `overhead`, CPU per request of one build moved ±10–15 µs between rounds
 * at a load average of 3–6, and its BEFORE slots read ~20% low in an A/A run. Figures: the
 * median of per-round ratios (this build / before, and before again / before: how far apart
 * two copies of one build come out) and each side's median CPU µs per request.
 */
export async function overheadPaired(ctx: BenchContext): Promise<Figure[]> {
  const group = '1b. proxy CPU, this build beside BEFORE at the same time (traced)';
  const before = process.env.ROUTETRACE_BENCH_BEFORE;
  if (before === undefined || before === '' || ctx.wrk === undefined) {
    ctx.log('paired: needs ROUTETRACE_BENCH_BEFORE and wrk; skipped');
    return [];
  }
  const wrk = ctx.wrk;
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const sim = await startPinned('sim', ['--port', '0', ...FAST_WORKER]);
    started.push(sim);
    const collector = await startPinned('collector', ['--port', '0', '--db', join(ctx.workDir, 'paired.db'), '--max-trace-entries', '1000000']);
    started.push(collector);
    const args = proxyArgs(sim.url, collector.url);
    const beforeProxy = join(before, 'proxy/main.js');
    const sides: Side[] = [];
    for (const [name, label, start] of [
      ['before', 'BEFORE', () => startPinnedScript('proxy-before', beforeProxy, args, ['--no-deprecation'])],
      ['after', 'this build', () => startPinned('proxy', args)],
      ['control', 'BEFORE again (A/A control)', () => startPinnedScript('proxy-before', beforeProxy, args, ['--no-deprecation'])],
    ] as const) {
      const proxy = await start();
      started.push(proxy);
      sides.push({ name, label, proxy });
    }
    const pid = (side: Side): number | undefined => side.proxy.child.pid;
    // One run of every side at once, its records delivered; CPU µs per request of each.
    const round = async (connections: number, seconds: number): Promise<number[]> => {
      const sent = await Promise.all(sides.map((side) => recordsSent(side.proxy.url)));
      const cpu = sides.map((side) => cpuMicros(pid(side)));
      const results = await Promise.all(sides.map((side) => startWrk(wrk, `${side.proxy.url}/generate`, BODY, { connections, seconds, workDir: ctx.workDir })));
      await Promise.all(sides.map((side, i) => recordsDelivered(side.proxy.url, sent[i] ?? 0, results[i]?.requests ?? 0)));
      return sides.map((side, i) => (cpuMicros(pid(side)) - (cpu[i] ?? 0)) / (results[i]?.requests ?? Number.NaN));
    };
    // Warm-up (V8 compiles for ~10–14 s of load: see `overhead`).
    await round(64, ctx.quick ? 3 : 6);
    const rounds = ctx.quick ? 6 : 10;
    const figures: Figure[] = [];
    for (const connections of CONNECTIONS) {
      const cpu: number[][] = sides.map(() => []);
      for (let i = 0; i < rounds; i++) {
        const perRequest = await round(connections, ctx.quick ? 2 : 3);
        perRequest.forEach((value, side) => cpu[side]?.push(value));
      }
      const ratio = (side: number): number => median((cpu[side] ?? []).map((value, i) => value / (cpu[0]?.[i] ?? Number.NaN)));
      figures.push({ group, name: `CPU this build / BEFORE -c${connections} (median of ${rounds} rounds)`, value: ratio(1), unit: 'ratio' });
      figures.push({ group, name: `  A/A control: BEFORE again / BEFORE -c${connections}`, value: ratio(2), unit: 'ratio' });
      sides.forEach((side, i) => figures.push({ group, name: `  CPU per request -c${connections} ${side.label}`, value: median(cpu[i] ?? []), unit: 'µs' }));
    }
    return figures;
  } finally {
    for (const process of started.reverse()) await process.stop();
  }
}
