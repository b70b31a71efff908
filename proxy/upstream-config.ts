import { withDefaults } from '#shared/defaults.js';
import { withoutTrailingSlash } from '#shared/url.js';
import { workerHeaderNames } from './attribution/worker-header.js';
import type { Upstream } from './forward/upstream.js';
import { CACHE_AWARE_DEFAULTS, type CacheAwareOptions } from './policies/cache-aware.js';
import { createPolicy } from './policies/create-policy.js';
import type { PolicyName } from './policies/policy.js';
import { createBackend, parseWorkerSpecs } from './workers/backend.js';

export interface UpstreamConfig {
  workerUrls?: string[];
  policy: PolicyName;
  cacheAware?: Partial<CacheAwareOptions>;
  routerUrl?: string;
  routerPolicy?: string;
  /** A header read before x-smg-routed-worker-id and x-sglang-worker (--worker-header). */
  workerHeader?: string;
  inferWorker?: 'round_robin';
}

/** Gateway mode (--worker-urls, a policy) or front-of-router mode (--router-url), from the options. */
export function buildUpstream(config: UpstreamConfig): Upstream {
  const known = parseWorkerSpecs(config.workerUrls ?? []);
  if (config.routerUrl !== undefined) {
    if (config.inferWorker !== undefined && known.length === 0) throw new Error('--infer-worker needs --worker-urls');
    return {
      mode: 'router',
      router: createBackend('router', withoutTrailingSlash(config.routerUrl)),
      policyLabel: config.routerPolicy ?? 'cache_aware',
      workerHeaders: workerHeaderNames(config.workerHeader),
      knownWorkers: known,
      inferRoundRobin: config.inferWorker === 'round_robin',
    };
  }
  if (known.length === 0) throw new Error('give --worker-urls (gateway mode) or --router-url (front-of-router mode)');
  const policy = createPolicy(config.policy, withDefaults(CACHE_AWARE_DEFAULTS, config.cacheAware ?? {}));
  return { mode: 'gateway', workers: known, policy, policyLabel: config.routerPolicy ?? policy.name };
}
