import type { RequestHandler } from 'express';
import { integerParam, readQuery } from '../http/query-params.js';
import type { TraceStore } from '../store/trace-store.js';

/** `GET /v1/traces/stats`; `?window=SECONDS` limits per-node and per-status figures to recent records. */
export function statsRoute(store: TraceStore): RequestHandler {
  return async (req, res) => {
    const params = readQuery(req.query, ['window']);
    const windowSeconds = integerParam(params, 'window', 1, 10 * 365 * 24 * 3600);
    const policy = store.retention.policy;
    res.json(
      await store.stats.compute({
        sinceMs: windowSeconds === undefined ? undefined : Date.now() - windowSeconds * 1000,
        retention: { maxTraceEntries: policy.maxTraceEntries, traceTtlSeconds: policy.traceTtlSeconds },
      }),
    );
  };
}
