import { join } from 'node:path';
import { median, type BenchContext, type Figure } from '../figure.js';
import { SequentialClient } from '../http-client.js';
import { startNginx } from '../nginx.js';
import { startPinned, type Pinned } from '../processes.js';
import { runWrk } from '../wrk.js';

const FAST_WORKER = ['--first-token-base-ms', '0', '--prefill-ms-per-token', '0', '--decode-tokens-per-sec', '100000000', '--max-running-requests', '100000'];
const BODY = JSON.stringify({ text: 'Hello world, a short prompt for the overhead benchmark', sampling_params: { max_new_tokens: 1 } });

/** Figure 1: what routetrace adds to a non-streaming /generate, against direct and nginx. */
export async function proxyOverhead(ctx: BenchContext): Promise<Figure[]> {
  const group = '1. proxy overhead (/generate)';
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const sim = await startPinned('sim', ['--port', '0', ...FAST_WORKER]);
    started.push(sim);
    const collector = await startPinned('collector', ['--port', '0', '--db', join(ctx.workDir, 'overhead.db'), '--max-trace-entries', '1000000']);
    started.push(collector);
    const common = ['--port', '0', '--worker-urls', sim.url, '--policy', 'round_robin', '--load-check-interval-secs', '0'];
    const traced: Pinned = await startPinned('proxy', [...common, '--collector-url', collector.url]);
    started.push(traced);
    const untraced = await startPinned('proxy', [...common, '--no-tracing']);
    started.push(untraced);
    const targets: Record<string, string> = { direct: sim.url, traced: traced.url, untraced: untraced.url };
    if (ctx.nginx !== undefined) {
      const nginx = await startNginx(ctx.nginx, sim.url, 30_000 + Math.floor(Math.random() * 20_000), ctx.workDir);
      started.push(nginx);
      targets.nginx = nginx.url;
    }

    // Added latency, one request at a time on one keep-alive connection; rounds interleaved.
    const client = new SequentialClient();
    const perRound = ctx.quick ? 400 : 2000;
    const p50s: Record<string, number[]> = {};
    for (const url of Object.values(targets)) for (let i = 0; i < 300; i++) await client.post(`${url}/generate`, BODY);
    for (let round = 0; round < ctx.rounds; round++) {
      for (const [name, url] of Object.entries(targets)) {
        const samples: number[] = [];
        for (let i = 0; i < perRound; i++) samples.push(await client.post(`${url}/generate`, BODY));
        (p50s[name] ??= []).push(median(samples));
      }
    }
    client.close();
    const p50 = (name: string): number => median(p50s[name] ?? []);

    // Throughput under wrk (32 connections) on the other core.
    const rps: Record<string, number[]> = {};
    if (ctx.wrk !== undefined) {
      for (let round = 0; round < ctx.rounds; round++) {
        for (const [name, url] of Object.entries(targets)) {
          const result = runWrk(ctx.wrk, `${url}/generate`, BODY, { connections: 32, seconds: ctx.quick ? 2 : 5, workDir: ctx.workDir });
          if (result.errors > 0) ctx.log(`wrk: ${result.errors} errors against ${name}`);
          (rps[name] ??= []).push(result.requestsPerSec);
        }
      }
    }
    const throughput = (name: string): number => median(rps[name] ?? []);

    const figures: Figure[] = [
      { group, name: 'p50 latency direct, one at a time', value: p50('direct'), unit: 'ms' },
      { group, name: 'added p50 latency, routetrace with tracing', value: p50('traced') - p50('direct'), unit: 'ms', target: { op: '<=', value: 0.5 } },
      { group, name: 'added p50 latency, routetrace tracing off', value: p50('untraced') - p50('direct'), unit: 'ms' },
    ];
    if (targets.nginx !== undefined) figures.push({ group, name: 'added p50 latency, nginx', value: p50('nginx') - p50('direct'), unit: 'ms' });
    if (ctx.wrk !== undefined) {
      figures.push(
        { group, name: 'throughput direct (wrk -c32)', value: throughput('direct'), unit: 'req/s' },
        { group, name: 'throughput routetrace with tracing', value: throughput('traced'), unit: 'req/s' },
        { group, name: 'throughput routetrace tracing off', value: throughput('untraced'), unit: 'req/s' },
        { group, name: 'throughput cost of tracing (1 - traced/untraced)', value: (1 - throughput('traced') / throughput('untraced')) * 100, unit: '%', target: { op: '<=', value: 10 } },
      );
      if (targets.nginx !== undefined) {
        figures.push(
          { group, name: 'throughput nginx (plain reverse proxy)', value: throughput('nginx'), unit: 'req/s' },
          { group, name: 'routetrace with tracing / nginx throughput', value: throughput('traced') / throughput('nginx'), unit: 'ratio' },
        );
      }
    } else ctx.log('wrk unavailable: throughput figures skipped');
    return figures;
  } finally {
    for (const process of started.reverse()) await process.stop();
  }
}
