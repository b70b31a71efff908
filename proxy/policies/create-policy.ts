import { CacheAwarePolicy, type CacheAwareOptions } from './cache-aware.js';
import type { PolicyName, RoutingPolicy } from './policy.js';
import { PowerOfTwoPolicy } from './power-of-two.js';
import { RandomPolicy } from './random.js';
import { RoundRobinPolicy } from './round-robin.js';

export function createPolicy(name: PolicyName, cacheAware: CacheAwareOptions): RoutingPolicy {
  switch (name) {
    case 'round_robin':
      return new RoundRobinPolicy();
    case 'random':
      return new RandomPolicy();
    case 'power_of_two':
      return new PowerOfTwoPolicy();
    case 'cache_aware':
      return new CacheAwarePolicy(cacheAware);
    default:
      return name satisfies never;
  }
}
