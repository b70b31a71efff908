import type { Counter } from 'prom-client';
import { TRACE_STATUSES, type TraceStatus } from '#shared/record.js';
import type { ProxyMetrics } from '../metrics.js';

/** Label children looked up once per label value, not per request (prom-client hashes labels on each `inc`). */
const MAX_CACHED = 1024;

export class RequestMetrics {
  readonly #metrics: ProxyMetrics;
  readonly #requests = new Map<string, Record<TraceStatus, Counter.Internal>>();
  readonly #decisions = new Map<string, Counter.Internal>();

  constructor(metrics: ProxyMetrics) {
    this.#metrics = metrics;
  }

  request(nodeId: string, status: TraceStatus): void {
    let children = this.#requests.get(nodeId);
    if (children === undefined) {
      const made = Object.fromEntries(TRACE_STATUSES.map((each) => [each, this.#metrics.requests.labels(nodeId, each)])) as Record<TraceStatus, Counter.Internal>;
      // Front-of-router mode names nodes from response headers: cache a bounded number.
      if (this.#requests.size < MAX_CACHED) this.#requests.set(nodeId, made);
      children = made;
    }
    children[status].inc();
  }

  decision(policy: string, decision: string): void {
    // One policy per proxy: the decision branch alone is the key.
    let child = this.#decisions.get(decision);
    if (child === undefined) {
      child = this.#metrics.decisions.labels(policy, decision);
      if (this.#decisions.size < MAX_CACHED) this.#decisions.set(decision, child);
    }
    child.inc();
  }

  retry(): void {
    this.#metrics.retries.inc();
  }
}
