import type { RequestHandler } from 'express';
import { RoutetraceError } from '#shared/errors.js';
import { integerParam, readQuery, stringParam } from '../http/query-params.js';
import { timeseriesFromRows } from '../store/timeseries-from-rows.js';
import type { TraceStore } from '../store/trace-store.js';

/** Buckets per answer at most: a day at one minute is 1,440. */
const MAX_BUCKETS = 2000;

/**
 * `GET /v1/traces/timeseries?window=3600&step=60[&node_id=…][&routing_policy=…]`. STAND-IN route
 * over store/timeseries-from-rows.ts; the collector's rollup-based route replaces both at merge.
 */
export function timeseriesRoute(store: TraceStore): RequestHandler {
  return async (req, res) => {
    const params = readQuery(req.query, ['window', 'step', 'node_id', 'routing_policy']);
    const windowSeconds = integerParam(params, 'window', 1, 10 * 365 * 24 * 3600) ?? 3600;
    const stepSeconds = integerParam(params, 'step', 1, windowSeconds) ?? Math.min(60, windowSeconds);
    if (Math.ceil(windowSeconds / stepSeconds) > MAX_BUCKETS) {
      throw new RoutetraceError('invalid_parameter', `step: window/step must be at most ${MAX_BUCKETS} buckets, got ${Math.ceil(windowSeconds / stepSeconds)}`);
    }
    res.json(
      await timeseriesFromRows(store.db, {
        windowSeconds,
        stepSeconds,
        nowMs: Date.now(),
        nodeId: stringParam(params, 'node_id'),
        routingPolicy: stringParam(params, 'routing_policy'),
      }),
    );
  };
}
