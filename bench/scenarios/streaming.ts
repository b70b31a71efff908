import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { median, type BenchContext, type Figure } from '../figure.js';
import { streamTimes } from '../http-client.js';
import { startPinned, startPinnedScript, type Pinned } from '../processes.js';

const streamBody = (tokens: number): string => JSON.stringify({ text: 'stream benchmark prompt', sampling_params: { max_new_tokens: tokens }, stream: true });

async function collectorTotal(collectorUrl: string): Promise<number> {
  const response = await fetch(`${collectorUrl}/v1/traces/stats`);
  return ((await response.json()) as { total_requests: number }).total_requests;
}

/** Figure 2: time to first byte and inter-chunk delay added, and 2000 concurrent streams. */
export async function streaming(ctx: BenchContext): Promise<Figure[]> {
  const group = '2. streaming';
  const stops: Array<() => Promise<void>> = [];
  try {
    // Time to first byte against a worker whose first chunk needs no timer: libuv timers tick
    // in whole milliseconds, so a paced worker's first chunk, armed 0.3 ms later behind the
    // proxy, can fire a full tick later and charge the proxy for the timer's rounding.
    const instant = await startPinned('sim', ['--port', '0', '--first-token-base-ms', '0', '--prefill-ms-per-token', '0', '--decode-tokens-per-sec', '100000000', '--max-running-requests', '10000']);
    stops.push(instant.stop);
    // Inter-chunk delay against a worker paced at 200 tokens/s: a chunk every 5 ms.
    const sim = await startPinned('sim', ['--port', '0', '--first-token-base-ms', '0', '--prefill-ms-per-token', '0', '--decode-tokens-per-sec', '200', '--max-running-requests', '10000']);
    stops.push(sim.stop);
    const collector = await startPinned('collector', ['--port', '0', '--db', join(ctx.workDir, 'streaming.db'), '--max-trace-entries', '1000000']);
    stops.push(collector.stop);
    const proxy = await startPinned('proxy', ['--port', '0', '--worker-urls', sim.url, '--collector-url', collector.url, '--load-check-interval-secs', '0']);
    stops.push(proxy.stop);
    const instantProxy = await startPinned('proxy', ['--port', '0', '--worker-urls', instant.url, '--collector-url', collector.url, '--load-check-interval-secs', '0']);
    stops.push(instantProxy.stop);
    // ROUTETRACE_BENCH_BEFORE: another build's dist/ folder, measured in the same run.
    const before = process.env.ROUTETRACE_BENCH_BEFORE;
    const startBefore = (args: string[]): Promise<Pinned> => startPinnedScript('proxy-before', join(before ?? '', 'proxy/main.js'), args, ['--no-deprecation']);
    const contenders: Record<string, string[]> = { direct: [instant.url, sim.url], proxied: [instantProxy.url, proxy.url] };
    if (before !== undefined && before !== '') {
      const beforeProxy = await startBefore(['--port', '0', '--worker-urls', sim.url, '--collector-url', collector.url, '--load-check-interval-secs', '0']);
      stops.push(beforeProxy.stop);
      const beforeInstant = await startBefore(['--port', '0', '--worker-urls', instant.url, '--collector-url', collector.url, '--load-check-interval-secs', '0']);
      stops.push(beforeInstant.stop);
      contenders.before = [beforeInstant.url, beforeProxy.url];
    }

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ttfb: Record<string, number[]> = {};
    const ttfbAfterPaced: Record<string, number[]> = {};
    const gaps: Record<string, number[]> = {};
    const perRound = ctx.quick ? 60 : 200;
    for (let round = 0; round < ctx.rounds; round++) {
      for (const [name, urls] of Object.entries(contenders)) {
        // First byte, probes back to back: what the proxy adds to a stream's first chunk.
        const first: number[] = [];
        for (let i = 0; i < 20; i++) await streamTimes(`${urls[0]}/generate`, streamBody(6), agent);
        for (let i = 0; i < perRound; i++) first.push((await streamTimes(`${urls[0]}/generate`, streamBody(6), agent))[0] ?? Number.NaN);
        // Gaps between paced chunks; and, as the bench measured first bytes before, one probe
        // right after each paced stream (it then also pays for waking processes that idled
        // between chunks on a shared core: the previous method, kept for comparison).
        const between: number[] = [];
        const afterPaced: number[] = [];
        for (let i = 0; i < perRound / 2; i++) {
          const times = await streamTimes(`${urls[1]}/generate`, streamBody(6), agent);
          for (let j = 2; j < times.length - 1; j++) between.push((times[j] ?? 0) - (times[j - 1] ?? 0));
          afterPaced.push((await streamTimes(`${urls[0]}/generate`, streamBody(6), agent))[0] ?? Number.NaN);
        }
        (ttfb[name] ??= []).push(median(first));
        (ttfbAfterPaced[name] ??= []).push(median(afterPaced));
        (gaps[name] ??= []).push(median(between));
      }
    }
    agent.destroy();
    const figures: Figure[] = [
      { group, name: 'time to first byte direct (p50)', value: median(ttfb.direct ?? []), unit: 'ms' },
      { group, name: 'time to first byte added (p50)', value: median(ttfb.proxied ?? []) - median(ttfb.direct ?? []), unit: 'ms', target: { op: '<=', value: 1 } },
      { group, name: 'inter-chunk delay direct (p50)', value: median(gaps.direct ?? []), unit: 'ms' },
      { group, name: 'inter-chunk delay added (p50)', value: median(gaps.proxied ?? []) - median(gaps.direct ?? []), unit: 'ms', target: { op: '<=', value: 0.2 } },
      { group, name: 'time to first byte added, probe right after a paced stream (previous method)', value: median(ttfbAfterPaced.proxied ?? []) - median(ttfbAfterPaced.direct ?? []), unit: 'ms' },
    ];
    if (contenders.before !== undefined) {
      figures.push(
        { group, name: 'time to first byte added (p50), routetrace BEFORE', value: median(ttfb.before ?? []) - median(ttfb.direct ?? []), unit: 'ms' },
        { group, name: 'inter-chunk delay added (p50), routetrace BEFORE', value: median(gaps.before ?? []) - median(gaps.direct ?? []), unit: 'ms' },
        { group, name: 'time to first byte added, probe after a paced stream (previous method), routetrace BEFORE', value: median(ttfbAfterPaced.before ?? []) - median(ttfbAfterPaced.direct ?? []), unit: 'ms' },
      );
    }

    // Concurrent streams through one proxy process: 40 tokens at 20 tokens/s, ~2 s each.
    const concurrent = ctx.quick ? 500 : 2000;
    const slowSim = await startPinned('sim', ['--port', '0', '--first-token-base-ms', '0', '--prefill-ms-per-token', '0', '--decode-tokens-per-sec', '20', '--max-running-requests', '100000']);
    stops.push(slowSim.stop);
    const runStreams = async (label: string, streamProxy: Pinned): Promise<void> => {
      const before = await collectorTotal(collector.url);
      const started = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: concurrent }, () =>
          new Promise<boolean>((resolve) => {
            const req = request(`${streamProxy.url}/generate`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
              let tail = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (tail = (tail + chunk).slice(-32)));
              res.on('end', () => resolve(res.statusCode === 200 && tail.includes('[DONE]')));
            });
            req.on('error', () => resolve(false));
            req.end(streamBody(40));
          }),
        ),
      );
      const wallSeconds = (performance.now() - started) / 1000;
      const completed = outcomes.filter(Boolean).length;
      const deadline = Date.now() + 20_000;
      while ((await collectorTotal(collector.url)) - before < concurrent && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      const delivered = (await collectorTotal(collector.url)) - before;
      const isAfter = label === '';
      figures.push(
        { group, name: `${concurrent} concurrent streams completed${label}`, value: completed, unit: 'streams', target: isAfter ? { op: '>=', value: concurrent } : undefined, note: `wall ${wallSeconds.toFixed(1)} s` },
        { group, name: `proxy peak RSS during them${label}`, value: streamProxy.peakRssMb(), unit: 'MB', target: isAfter ? { op: '<=', value: 300 } : undefined },
        { group, name: `their records delivered to the collector${label}`, value: delivered, unit: 'records', target: isAfter ? { op: '>=', value: concurrent } : undefined },
      );
    };
    const streamArgs = ['--port', '0', '--worker-urls', slowSim.url, '--collector-url', collector.url, '--load-check-interval-secs', '0'];
    const streamProxy = await startPinned('proxy', streamArgs);
    stops.push(streamProxy.stop);
    await runStreams('', streamProxy);
    if (contenders.before !== undefined) {
      const beforeStreamProxy = await startBefore(streamArgs);
      stops.push(beforeStreamProxy.stop);
      await runStreams(', routetrace BEFORE', beforeStreamProxy);
    }
    return figures;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
