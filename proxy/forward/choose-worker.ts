import type { ErrorCode } from '#shared/errors.js';
import { decide } from '../policies/policy.js';
import type { Backend } from '../workers/backend.js';
import type { Served } from './record-builder.js';
import type { RequestContext } from './request-context.js';
import type { RequestMetrics } from './request-metrics.js';
import type { Upstream } from './upstream.js';

const isHealthy = (worker: Backend): boolean => worker.healthy;

export interface NoWorker {
  code: ErrorCode;
  message: string;
}

/**
 * The worker of a request's next attempt: the policy's pick among healthy workers not yet tried
 * (gateway mode), or the router (front-of-router mode, with --infer-worker's estimate). Writes
 * the decision's facts into the context for the record.
 */
export class WorkerChooser {
  readonly #upstream: Upstream;
  readonly #metrics: RequestMetrics;
  /** Who served, per upstream: built once, shared by every record. */
  readonly #served = new Map<Backend, Served>();
  #inferCounter = 0;

  constructor(upstream: Upstream, metrics: RequestMetrics) {
    this.#upstream = upstream;
    this.#metrics = metrics;
    const router = upstream.mode === 'router';
    for (const worker of router ? [upstream.router] : upstream.workers) {
      this.#served.set(worker, { nodeId: router ? 'router' : worker.nodeId, url: worker.url, attribution: router ? 'router' : 'proxy' });
    }
  }

  served(worker: Backend): Served | undefined {
    return this.#served.get(worker);
  }

  choose(ctx: RequestContext): Backend | NoWorker {
    const up = this.#upstream;
    if (up.mode === 'router') {
      const known = up.knownWorkers;
      if (up.inferRoundRobin && known.length > 0) {
        const inferred = known[this.#inferCounter++ % known.length];
        if (inferred !== undefined) ctx.attributed = { nodeId: inferred.nodeId, url: inferred.url, attribution: 'inferred' };
      }
      return up.router;
    }
    const tried = ctx.tried;
    // A first attempt with every worker healthy (the usual case) takes the list as it is: no copy per request.
    const candidates = tried === undefined && up.workers.every(isHealthy) ? up.workers : up.workers.filter((each) => each.healthy && (tried === undefined || !tried.includes(each)));
    if (candidates.length === 0) {
      if (ctx.attempts === 0) return { code: 'no_healthy_worker', message: `none of the ${up.workers.length} workers is healthy` };
      return { code: 'worker_unreachable', message: ctx.lastError ?? 'no other healthy worker to retry on' };
    }
    const decision = decide(up.policy, candidates, ctx.facts?.promptText ?? '', ctx.attempts > 0);
    this.#metrics.decision(up.policy.name, decision.decision);
    const worker = decision.worker;
    ctx.prefixMatchRate = decision.prefixMatchRate;
    ctx.decision = decision.decision;
    ctx.candidateLoads = decision.candidateLoads;
    ctx.queueSize = worker.inFlight;
    ctx.workerLoad = worker.reportedLoad?.waiting;
    return worker;
  }
}
