import { TRACE_STATUSES, type TraceStatus } from '#shared/record.js';

type StatusCounts = Record<TraceStatus, number>;

const zeroCounts = (): StatusCounts => Object.fromEntries(TRACE_STATUSES.map((status) => [status, 0])) as StatusCounts;

/**
 * The per-request counters (requests by worker and outcome, policy decisions) as plain numbers,
 * copied into prom-client only when /metrics is read. prom-client's `inc` hashes its labels into
 * a string and validates them on every call, label children included (~0.25 KB of garbage and a
 * string hash each, measured with the allocation sampler): twice per request on the hot path.
 */
export class RequestCounts {
  readonly #requests = new Map<string, StatusCounts>();
  readonly #decisions = new Map<string, number>();
  #policy = '';

  request(nodeId: string, status: TraceStatus): void {
    let counts = this.#requests.get(nodeId);
    if (counts === undefined) {
      counts = zeroCounts();
      this.#requests.set(nodeId, counts);
    }
    counts[status]++;
  }

  /** One policy per proxy: the decision branch alone is the key. */
  decision(policy: string, decision: string): void {
    this.#policy = policy;
    this.#decisions.set(decision, (this.#decisions.get(decision) ?? 0) + 1);
  }

  /** Every (node, status) counted at least once, as prom-client label sets. */
  *requestSeries(): Generator<[{ node_id: string; status: TraceStatus }, number]> {
    for (const [nodeId, counts] of this.#requests) {
      for (const status of TRACE_STATUSES) if (counts[status] > 0) yield [{ node_id: nodeId, status }, counts[status]];
    }
  }

  *decisionSeries(): Generator<[{ policy: string; decision: string }, number]> {
    for (const [decision, count] of this.#decisions) yield [{ policy: this.#policy, decision }, count];
  }
}
