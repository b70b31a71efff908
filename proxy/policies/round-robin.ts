import type { Worker } from '../workers/worker.js';
import type { RoutingDecision, RoutingPolicy } from './policy.js';

export class RoundRobinPolicy implements RoutingPolicy {
  readonly name = 'round_robin';
  #next = 0;

  select(candidates: readonly Worker[]): RoutingDecision {
    const worker = candidates[this.#next++ % candidates.length];
    if (worker === undefined) throw new Error('round_robin: no candidates');
    return { worker, reason: 'round_robin' };
  }
}
