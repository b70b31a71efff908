import type { RequestHandler } from 'express';
import { integerParam, readQuery } from '../http/query-params.js';
import type { TraceStore } from '../store/trace-store.js';

/** Nodes in full detail by default; `?nodes=` up to MAX_STATS_NODES. */
export const DEFAULT_STATS_NODES = 100;
export const MAX_STATS_NODES = 1000;

/**
 * `GET /v1/traces/stats`; `?window=SECONDS` limits every figure it can to recent records (the
 * response's `window.global` names the rest); `?nodes=N` bounds per-node detail.
 */
export function statsRoute(store: TraceStore): RequestHandler {
  return async (req, res) => {
    const params = readQuery(req.query, ['window', 'nodes']);
    const windowSeconds = integerParam(params, 'window', 1, 10 * 365 * 24 * 3600);
    const nodeLimit = integerParam(params, 'nodes', 1, MAX_STATS_NODES) ?? DEFAULT_STATS_NODES;
    const policy = store.retention.policy;
    res.json(
      await store.queries.stats({
        windowSeconds,
        nowMs: Date.now(),
        nodeLimit,
        retention: { maxTraceEntries: policy.maxTraceEntries, traceTtlSeconds: policy.traceTtlSeconds },
      }),
    );
  };
}
