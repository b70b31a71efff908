import type { TraceStatus } from '#shared/record.js';
import type { ProxyMetrics } from '../metrics.js';
import type { RequestCounts } from '../request-counts.js';

/** The hot path's metrics: plain counters (read into prom-client at scrape time), and the rare retry. */
export class RequestMetrics {
  readonly #metrics: ProxyMetrics;
  readonly #counts: RequestCounts;

  constructor(metrics: ProxyMetrics) {
    this.#metrics = metrics;
    this.#counts = metrics.counts;
  }

  request(nodeId: string, status: TraceStatus): void {
    this.#counts.request(nodeId, status);
  }

  decision(policy: string, decision: string): void {
    this.#counts.decision(policy, decision);
  }

  retry(): void {
    this.#metrics.retries.inc();
  }
}
