import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecordExporter } from './export/record-exporter.js';
import { RequestCounts } from './request-counts.js';
import type { Backend } from './workers/backend.js';

/** The proxy's Prometheus metrics, in a registry of its own. Labels stay bounded: node ids, statuses, policy branches. */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'node_id' | 'status'>;
  readonly decisions: Counter<'policy' | 'decision'>;
  readonly retries: Counter;
  readonly recordsSent: Counter;
  readonly recordsDropped: Counter;
  readonly recordsFailed: Counter;
  /** Counted on the hot path as plain numbers; read into the counters above at each scrape. */
  readonly counts = new RequestCounts();

  constructor(workers: readonly Backend[], exporter: () => RecordExporter | undefined) {
    const registers = [this.registry];
    const counts = this.counts;
    // Event-loop lag sampled every 100 ms, not prom-client's default 10 ms: its libuv timer woke an
    // idle proxy 100 times a second (strace), on a core it shares with workers and the collector.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    this.requests = countedAtScrape('routetrace_proxy_requests_total', 'Traced requests by worker and outcome.', ['node_id', 'status'], registers, () => counts.requestSeries());
    this.decisions = countedAtScrape(
      'routetrace_proxy_policy_decisions_total',
      'Routing decisions by policy and branch (the records\' decision names).',
      ['policy', 'decision'],
      registers,
      () => counts.decisionSeries(),
    );
    this.retries = new Counter({ name: 'routetrace_proxy_retries_total', help: 'Requests retried on another worker after a connection failure.', registers });
    this.recordsSent = new Counter({ name: 'routetrace_proxy_records_sent_total', help: 'Records the collector stored.', registers });
    this.recordsDropped = new Counter({ name: 'routetrace_proxy_records_dropped_total', help: 'Records dropped because the exporter queue was full.', registers });
    this.recordsFailed = new Counter({ name: 'routetrace_proxy_records_failed_total', help: 'Records the collector refused.', registers });
    new Gauge({
      name: 'routetrace_proxy_in_flight',
      help: 'Requests in flight to each worker.',
      labelNames: ['node_id'],
      registers,
      collect() {
        for (const worker of workers) this.set({ node_id: worker.nodeId }, worker.inFlight);
      },
    });
    new Gauge({
      name: 'routetrace_proxy_worker_healthy',
      help: '1 when the last health check passed.',
      labelNames: ['node_id'],
      registers,
      collect() {
        for (const worker of workers) this.set({ node_id: worker.nodeId }, worker.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'routetrace_proxy_exporter_queue_length',
      help: 'Records waiting to be sent to the collector.',
      registers,
      collect() {
        this.set(exporter()?.queueLength ?? 0);
      },
    });
  }
}

/** A counter whose values are totals kept elsewhere as plain numbers, copied in at each scrape. */
function countedAtScrape<L extends string>(
  name: string,
  help: string,
  labelNames: L[],
  registers: Registry[],
  series: () => Iterable<[Record<L, string>, number]>,
): Counter<L> {
  return new Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const [labels, count] of series()) this.inc(labels, count);
    },
  });
}
