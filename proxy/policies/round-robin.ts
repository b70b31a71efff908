import type { Backend } from '../workers/backend.js';
import { candidateLoads, type RoutingDecision, type RoutingPolicy } from './policy.js';

export class RoundRobinPolicy implements RoutingPolicy {
  readonly name = 'round_robin';
  #next = 0;

  select(candidates: readonly Backend[]): RoutingDecision {
    const worker = candidates[this.#next++ % candidates.length];
    if (worker === undefined) throw new Error('round_robin: no candidates');
    return { worker, decision: 'round_robin', candidateLoads: candidateLoads(candidates, worker) };
  }
}
