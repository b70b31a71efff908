import type { Backend } from '../workers/backend.js';
import { candidateLoads, type RoutingDecision, type RoutingPolicy } from './policy.js';

export class RandomPolicy implements RoutingPolicy {
  readonly name = 'random';

  select(candidates: readonly Backend[]): RoutingDecision {
    const worker = candidates[Math.floor(Math.random() * candidates.length)];
    if (worker === undefined) throw new Error('random: no candidates');
    return { worker, decision: 'random', candidateLoads: candidateLoads(candidates, worker) };
  }
}
