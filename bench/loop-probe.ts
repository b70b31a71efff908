import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

/**
 * Loaded into a benched collector with `node --import` (bench only, never in the product): it
 * times the event loop with a 1 ms timer, so a stall of S ms shows as a gap between ticks of S
 * to S + 1 ms. prom-client's `nodejs_eventloop_lag_max_seconds` ticks every 10 ms, so it only
 * bounds a stall to [gap − 10, gap]. On SIGUSR2 it prints the longest gap since the previous
 * signal as one JSON line on stdout and starts over (see readLoopProbe in processes.ts).
 * `--import` also runs in every worker thread: only the event loop is timed.
 */
if (isMainThread) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const probe = { max_ms: histogram.max / 1e6, p99_ms: histogram.percentile(99) / 1e6, ticks: histogram.count };
    histogram.reset();
    process.stdout.write(`${JSON.stringify({ loop_probe: probe })}\n`);
  });
}
