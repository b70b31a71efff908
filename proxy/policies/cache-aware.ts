import type { Decision } from '#shared/record.js';
import type { Backend } from '../workers/backend.js';
import { ApproximateTree } from './approximate-tree.js';
import { candidateLoads, leastLoaded, type RoutingDecision, type RoutingPolicy } from './policy.js';

export interface CacheAwareOptions {
  /** Route to the best-matching worker when match_rate exceeds this. Default: 0.3. */
  cacheThreshold: number;
  /** Imbalanced when max − min in-flight exceeds this … Default: 64. */
  balanceAbsThreshold: number;
  /** … and max > min × this. Default: 1.5. */
  balanceRelThreshold: number;
  /** Seconds between tree evictions. Default: 120. */
  evictionIntervalSecs: number;
  /** Characters kept per worker after an eviction. Default: 2^24. */
  maxTreeSize: number;
}

/** Defaults of the newest sglang_router CLI, except max_tree_size (the older 2^24, for memory). */
export const CACHE_AWARE_DEFAULTS: CacheAwareOptions = {
  cacheThreshold: 0.3,
  balanceAbsThreshold: 64,
  balanceRelThreshold: 1.5,
  evictionIntervalSecs: 120,
  maxTreeSize: 2 ** 24,
};

/**
 * SGLang Model Gateway's cache_aware policy (model_gateway/src/policies/cache_aware.rs, HTTP
 * path), with each branch named in the record:
 * - `imbalance`: in-flight load is imbalanced (max − min > abs threshold and max > min × rel
 *   threshold): the least loaded worker wins, whatever the tree says;
 * - `tree_match`: the longest prefix match rate exceeds --cache-threshold: the matching worker
 *   (the least loaded of several) wins;
 * - below the threshold, the least loaded worker (`min_load`, the gateway's rule today); when
 *   several are equally loaded, the one with the smallest tree (`smallest_tree`, the older
 *   sgl-router's rule), so idle workers share new prefixes instead of the first taking them all.
 * The chosen worker's tree is updated either way.
 */
export class CacheAwarePolicy implements RoutingPolicy {
  readonly name = 'cache_aware';
  readonly tree = new ApproximateTree();
  readonly #options: CacheAwareOptions;
  readonly #timer: NodeJS.Timeout;

  constructor(options: CacheAwareOptions) {
    this.#options = options;
    this.#timer = setInterval(() => this.tree.evict(options.maxTreeSize), options.evictionIntervalSecs * 1000);
    this.#timer.unref();
  }

  select(candidates: readonly Backend[], text: string): RoutingDecision {
    const decision = this.#decide(candidates, text);
    if (text.length > 0) this.tree.insert(text, decision.worker.url);
    return decision;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #decide(candidates: readonly Backend[], text: string): RoutingDecision {
    let min = Infinity;
    let max = -Infinity;
    for (const worker of candidates) {
      min = Math.min(min, worker.inFlight);
      max = Math.max(max, worker.inFlight);
    }
    const { balanceAbsThreshold, balanceRelThreshold, cacheThreshold } = this.#options;
    const match = text.length > 0 ? this.tree.match(text, new Set(candidates.map((worker) => worker.url))) : { matchedChars: 0, tenants: [] };
    const prefixMatchRate = text.length > 0 ? match.matchedChars / text.length : 0;
    const treeSize = (worker: Backend): number => this.tree.size(worker.url);
    const decided = (worker: Backend, decision: Decision): RoutingDecision => ({ worker, decision, candidateLoads: candidateLoads(candidates, worker), prefixMatchRate });

    if (max - min > balanceAbsThreshold && max > min * balanceRelThreshold) {
      return decided(leastLoaded(candidates, treeSize).worker, 'imbalance');
    }
    if (prefixMatchRate > cacheThreshold) {
      const matching = candidates.filter((worker) => match.tenants.includes(worker.url));
      if (matching.length > 0) return decided(leastLoaded(matching, treeSize).worker, 'tree_match');
    }
    const { worker, tieBroken } = leastLoaded(candidates, treeSize);
    return decided(worker, tieBroken ? 'smallest_tree' : 'min_load');
  }
}
