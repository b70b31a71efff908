import { MAX_CANDIDATE_LOADS, type Decision } from '#shared/record.js';
import type { Backend } from '../workers/backend.js';

export const POLICY_NAMES = ['round_robin', 'random', 'cache_aware', 'power_of_two'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface RoutingDecision {
  worker: Backend;
  /** The policy's branch (shared/record.ts DECISIONS): the record's `decision` and the metric label. */
  decision: Decision;
  /** In-flight requests per candidate node id at decision time (at most MAX_CANDIDATE_LOADS). */
  candidateLoads: Record<string, number>;
  /** cache_aware only: the predicted share of the prompt text already sent to that worker. */
  prefixMatchRate?: number;
}

export interface RoutingPolicy {
  readonly name: PolicyName;
  /**
   * Picks one of `candidates` (healthy, not yet tried for this request; never empty) for a
   * request whose prompt text is `text` ('' when the body was not parsed).
   */
  select(candidates: readonly Backend[], text: string): RoutingDecision;
  /** Stops background work (cache_aware's eviction timer). */
  close?(): void;
}

/**
 * The candidate with the fewest in-flight requests. On a tie, the lowest `tieBreak` value
 * (cache_aware: tree size), then the earliest listed. `tieBroken` says whether `tieBreak`, not
 * the load, decided.
 */
export function leastLoaded(candidates: readonly Backend[], tieBreak?: (worker: Backend) => number): { worker: Backend; tieBroken: boolean } {
  let best = candidates[0];
  if (best === undefined) throw new Error('leastLoaded: no candidates');
  let bestKey = tieBreak?.(best) ?? 0;
  let tieBroken = false;
  for (const worker of candidates) {
    if (worker === best) continue;
    if (worker.inFlight < best.inFlight) {
      best = worker;
      bestKey = tieBreak?.(worker) ?? 0;
      tieBroken = false;
    } else if (worker.inFlight === best.inFlight && tieBreak !== undefined) {
      const key = tieBreak(worker);
      if (key < bestKey) {
        best = worker;
        bestKey = key;
        tieBroken = true;
      } else if (key > bestKey) tieBroken = true;
    }
  }
  return { worker: best, tieBroken };
}

/** `{node id: in-flight}` of the candidates, the chosen one always included, at most MAX_CANDIDATE_LOADS. */
export function candidateLoads(candidates: readonly Backend[], chosen: Backend): Record<string, number> {
  const loads: Record<string, number> = { [chosen.nodeId]: chosen.inFlight };
  let count = 1;
  for (const worker of candidates) {
    if (count >= MAX_CANDIDATE_LOADS) break;
    if (worker === chosen) continue;
    loads[worker.nodeId] = worker.inFlight;
    count++;
  }
  return loads;
}

/**
 * Asks the policy, then labels a retry: the worker of a second or third attempt is chosen by
 * the policy among the workers not tried yet, but the reason it runs there is the retry.
 */
export function decide(policy: RoutingPolicy, candidates: readonly Backend[], text: string, isRetry: boolean): RoutingDecision {
  const decision = policy.select(candidates, text);
  return isRetry ? { ...decision, decision: 'retry' } : decision;
}
