import { binOf, emptyHistogram } from './histogram.js';

/**
 * Rollup granularity: records are summed per 60-second bucket of their routing timestamp. It
 * is the smallest time-series step and the precision of `?window=` (a window starts at a
 * bucket boundary). Measured with 10 s buckets, an hour of a 16-node cluster was ~9,600 rollup
 * rows and an hour's time series took 30–100 ms to read on a loaded 2-core machine; 60 s
 * buckets read a sixth of that.
 */
export const BUCKET_MS = 60_000;

/** prefix_match_rate is summed as an integer number of millionths. */
export const MATCH_SCALE = 1_000_000;

/** The record fields a rollup sums; stored rows and incoming records both map onto it. */
export interface RollupFact {
  timestamp_ms: number;
  node_id: string;
  routing_policy: string;
  decision: string | null;
  attribution: string | null;
  /** 1, 0 or null, as stored. */
  cache_hit: number | null;
  status: string;
  attempts: number | null;
  prompt_tokens: number | null;
  cached_tokens: number | null;
  queue_size: number | null;
  prefix_match_rate: number | null;
  duration_ms: number | null;
  ttft_ms: number | null;
}

/**
 * One rollup row's key. NULL never appears in a key (NULLs are distinct in a unique index, so an
 * upsert would never match): no decision / attribution is '' and an unknown cache_hit is -1.
 */
export interface RollupKey {
  bucket_ms: number;
  node_id: string;
  routing_policy: string;
  decision: string;
  attribution: string;
  cache_hit: number;
}

export interface RollupSums {
  requests: number;
  completed: number;
  failed: number;
  cancelled: number;
  timeout: number;
  /** Records with attempts > 1. */
  retries: number;
  /** Token sums over records that report both counts (the token-weighted hit rate). */
  cached_sum: number;
  prompt_sum: number;
  queue_sum: number;
  queue_count: number;
  /** Decision quality: records with a predicted prefix_match_rate, and their real tokens. */
  match_count: number;
  /** Sum of prefix_match_rate in millionths: integers add and subtract exactly, floats drift. */
  match_sum: number;
  match_cached_sum: number;
  match_prompt_sum: number;
}

export const SUM_COLUMNS = [
  'requests', 'completed', 'failed', 'cancelled', 'timeout', 'retries', 'cached_sum', 'prompt_sum', 'queue_sum',
  'queue_count', 'match_count', 'match_sum', 'match_cached_sum', 'match_prompt_sum',
] as const satisfies ReadonlyArray<keyof RollupSums>;

export const KEY_COLUMNS = ['bucket_ms', 'node_id', 'routing_policy', 'decision', 'attribution', 'cache_hit'] as const satisfies ReadonlyArray<keyof RollupKey>;

export interface RollupDelta extends RollupKey, RollupSums {
  duration_hist: Int32Array;
  ttft_hist: Int32Array;
}

/** Deltas of one batch (inserted rows add, deleted rows subtract), one per key. */
export class RollupDeltas {
  readonly #byKey = new Map<string, RollupDelta>();

  get size(): number {
    return this.#byKey.size;
  }

  values(): IterableIterator<RollupDelta> {
    return this.#byKey.values();
  }

  /** The deltas summed over buckets, one per key without bucket_ms (for rollup_totals). */
  totals(): RollupDelta[] {
    const byKey = new Map<string, RollupDelta>();
    for (const delta of this.#byKey.values()) {
      const id = `${delta.node_id}\u0000${delta.routing_policy}\u0000${delta.decision}\u0000${delta.attribution}\u0000${delta.cache_hit}`;
      const total = byKey.get(id);
      if (total === undefined) {
        byKey.set(id, { ...delta, bucket_ms: 0, duration_hist: delta.duration_hist.slice(), ttft_hist: delta.ttft_hist.slice() });
        continue;
      }
      for (const column of SUM_COLUMNS) total[column] += delta[column];
      for (let i = 0; i < total.duration_hist.length; i++) {
        total.duration_hist[i] = (total.duration_hist[i] ?? 0) + (delta.duration_hist[i] ?? 0);
        total.ttft_hist[i] = (total.ttft_hist[i] ?? 0) + (delta.ttft_hist[i] ?? 0);
      }
    }
    return [...byKey.values()].filter((total) => total.requests !== 0);
  }

  add(fact: RollupFact, sign: 1 | -1): void {
    const key: RollupKey = {
      bucket_ms: Math.floor(fact.timestamp_ms / BUCKET_MS) * BUCKET_MS,
      node_id: fact.node_id,
      routing_policy: fact.routing_policy,
      decision: fact.decision ?? '',
      attribution: fact.attribution ?? '',
      cache_hit: fact.cache_hit ?? -1,
    };
    const id = `${key.bucket_ms}\u0000${key.node_id}\u0000${key.routing_policy}\u0000${key.decision}\u0000${key.attribution}\u0000${key.cache_hit}`;
    let delta = this.#byKey.get(id);
    if (delta === undefined) {
      delta = {
        ...key, requests: 0, completed: 0, failed: 0, cancelled: 0, timeout: 0, retries: 0, cached_sum: 0, prompt_sum: 0, queue_sum: 0,
        queue_count: 0, match_count: 0, match_sum: 0, match_cached_sum: 0, match_prompt_sum: 0,
        duration_hist: emptyHistogram(), ttft_hist: emptyHistogram(),
      };
      this.#byKey.set(id, delta);
    }
    delta.requests += sign;
    if (fact.status === 'completed') delta.completed += sign;
    else if (fact.status === 'failed') delta.failed += sign;
    else if (fact.status === 'cancelled') delta.cancelled += sign;
    else if (fact.status === 'timeout') delta.timeout += sign;
    if (fact.attempts !== null && fact.attempts > 1) delta.retries += sign;
    const tokens = fact.prompt_tokens !== null && fact.cached_tokens !== null;
    if (tokens) {
      delta.cached_sum += sign * (fact.cached_tokens ?? 0);
      delta.prompt_sum += sign * (fact.prompt_tokens ?? 0);
    }
    if (fact.queue_size !== null) {
      delta.queue_sum += sign * fact.queue_size;
      delta.queue_count += sign;
    }
    if (fact.prefix_match_rate !== null) {
      delta.match_count += sign;
      delta.match_sum += sign * Math.round(fact.prefix_match_rate * MATCH_SCALE);
      if (tokens) {
        delta.match_cached_sum += sign * (fact.cached_tokens ?? 0);
        delta.match_prompt_sum += sign * (fact.prompt_tokens ?? 0);
      }
    }
    if (fact.duration_ms !== null) {
      const bin = binOf(fact.duration_ms);
      delta.duration_hist[bin] = (delta.duration_hist[bin] ?? 0) + sign;
    }
    if (fact.ttft_ms !== null) {
      const bin = binOf(fact.ttft_ms);
      delta.ttft_hist[bin] = (delta.ttft_hist[bin] ?? 0) + sign;
    }
  }
}
