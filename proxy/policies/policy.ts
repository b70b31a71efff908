import type { Worker } from '../workers/worker.js';

export const POLICY_NAMES = ['round_robin', 'random', 'cache_aware', 'power_of_two'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface RoutingDecision {
  worker: Worker;
  /** Why this worker: a label for the policy-decisions metric. */
  reason: 'round_robin' | 'random' | 'power_of_two' | 'prefix_match' | 'least_loaded' | 'imbalanced';
  /** cache_aware only: the predicted share of the prompt text already sent to that worker. */
  prefixMatchRate?: number;
  /** The policy's branch, recorded as `decision` (e.g. tree_match, min_load). */
  decision?: string;
  /** In-flight requests per candidate node at decision time, recorded as `candidate_loads`. */
  candidateLoads?: Record<string, number>;
}

export interface RoutingPolicy {
  readonly name: PolicyName;
  /**
   * Picks one of `candidates` (healthy, not yet tried for this request; never empty) for a
   * request whose prompt text is `text` ('' when the body was not parsed).
   */
  select(candidates: readonly Worker[], text: string): RoutingDecision;
  /** Stops background work (cache_aware's eviction timer). */
  close?(): void;
}

/** The candidate with the fewest in-flight requests; the earliest listed on a tie. */
export function leastLoaded(candidates: readonly Worker[]): Worker {
  let best = candidates[0];
  if (best === undefined) throw new Error('leastLoaded: no candidates');
  for (const worker of candidates) if (worker.inFlight < best.inFlight) best = worker;
  return best;
}
