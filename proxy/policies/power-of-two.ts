import type { Backend } from '../workers/backend.js';
import { candidateLoads, type RoutingDecision, type RoutingPolicy } from './policy.js';

/**
 * Two random candidates; the one with fewer in-flight requests from this proxy wins. On a tie,
 * the worker-reported load from `/get_load` (waiting requests, then tokens) decides, when polled.
 */
export class PowerOfTwoPolicy implements RoutingPolicy {
  readonly name = 'power_of_two';

  select(candidates: readonly Backend[]): RoutingDecision {
    const first = Math.floor(Math.random() * candidates.length);
    let second = Math.floor(Math.random() * (candidates.length - 1));
    if (second >= first) second++;
    const a = candidates[first];
    const b = candidates[second] ?? a;
    if (a === undefined || b === undefined) throw new Error('power_of_two: no candidates');
    const worker = lessLoaded(a, b);
    // The two sampled workers were the candidates: the others were never compared.
    return { worker, decision: 'two_choices', candidateLoads: candidateLoads(a === b ? [a] : [a, b], worker) };
  }
}

function lessLoaded(a: Backend, b: Backend): Backend {
  if (a.inFlight !== b.inFlight) return a.inFlight < b.inFlight ? a : b;
  const aLoad = a.reportedLoad;
  const bLoad = b.reportedLoad;
  if (aLoad !== undefined && bLoad !== undefined) {
    if (aLoad.waiting !== bLoad.waiting) return aLoad.waiting < bLoad.waiting ? a : b;
    if (aLoad.tokens !== bLoad.tokens) return aLoad.tokens < bLoad.tokens ? a : b;
  }
  return a;
}
