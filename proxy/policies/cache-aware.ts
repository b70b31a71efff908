import type { Worker } from '../workers/worker.js';
import { ApproximateTree } from './approximate-tree.js';
import type { RoutingDecision, RoutingPolicy } from './policy.js';

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
 * SGLang router's cache_aware policy. When the load (in-flight requests) is imbalanced, the
 * least loaded worker wins; otherwise the worker whose earlier requests share the longest text
 * prefix wins, if the match rate exceeds the threshold; else the least loaded. The chosen
 * worker's tree is updated either way.
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

  select(candidates: readonly Worker[], text: string): RoutingDecision {
    const decision = this.#decide(candidates, text);
    if (text.length > 0) this.tree.insert(text, decision.worker.url);
    return decision;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /**
   * Fewest in-flight requests; on a tie, the smallest tree (the older router's rule for misses),
   * so idle workers share new prefixes instead of the first one taking them all.
   */
  #leastLoaded(candidates: readonly Worker[]): Worker {
    let best: Worker | undefined;
    for (const worker of candidates) {
      if (best === undefined || worker.inFlight < best.inFlight || (worker.inFlight === best.inFlight && this.tree.size(worker.url) < this.tree.size(best.url))) {
        best = worker;
      }
    }
    if (best === undefined) throw new Error('cache_aware: no candidates');
    return best;
  }

  #decide(candidates: readonly Worker[], text: string): RoutingDecision {
    let min = Infinity;
    let max = -Infinity;
    for (const worker of candidates) {
      min = Math.min(min, worker.inFlight);
      max = Math.max(max, worker.inFlight);
    }
    const { balanceAbsThreshold, balanceRelThreshold, cacheThreshold } = this.#options;
    const match = text.length > 0 ? this.tree.match(text, new Set(candidates.map((worker) => worker.url))) : { matchedChars: 0, tenants: [] };
    const prefixMatchRate = text.length > 0 ? match.matchedChars / text.length : 0;

    if (max - min > balanceAbsThreshold && max > min * balanceRelThreshold) {
      return { worker: this.#leastLoaded(candidates), reason: 'imbalanced', prefixMatchRate };
    }
    if (prefixMatchRate > cacheThreshold) {
      const matching = candidates.filter((worker) => match.tenants.includes(worker.url));
      if (matching.length > 0) return { worker: this.#leastLoaded(matching), reason: 'prefix_match', prefixMatchRate };
    }
    return { worker: this.#leastLoaded(candidates), reason: 'least_loaded', prefixMatchRate };
  }
}
