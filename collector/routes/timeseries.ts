import type { RequestHandler } from 'express';
import { RoutetraceError } from '#shared/errors.js';
import { integerParam, readQuery, stringParam } from '../http/query-params.js';
import { BUCKET_MS } from '../rollups/rollup-delta.js';
import type { TraceStore } from '../store/trace-store.js';

export const DEFAULT_TIMESERIES_WINDOW_SECONDS = 3600;
export const DEFAULT_TIMESERIES_STEP_SECONDS = 60;
export const MAX_TIMESERIES_POINTS = 1000;
export const DEFAULT_TIMESERIES_NODES = 50;
const BUCKET_SECONDS = BUCKET_MS / 1000;

/**
 * `GET /v1/traces/timeseries?window=3600&step=60[&node_id=…][&routing_policy=…][&nodes=50]`:
 * per node, per step, columns ready to plot. The step is a multiple of the 60 s rollup bucket.
 */
export function timeseriesRoute(store: TraceStore): RequestHandler {
  return async (req, res) => {
    const params = readQuery(req.query, ['window', 'step', 'node_id', 'routing_policy', 'nodes']);
    const windowSeconds = integerParam(params, 'window', BUCKET_SECONDS, 7 * 24 * 3600) ?? DEFAULT_TIMESERIES_WINDOW_SECONDS;
    const stepSeconds = integerParam(params, 'step', BUCKET_SECONDS, 24 * 3600) ?? DEFAULT_TIMESERIES_STEP_SECONDS;
    if (stepSeconds % BUCKET_SECONDS !== 0) {
      throw new RoutetraceError('invalid_parameter', `step: must be a multiple of ${BUCKET_SECONDS} seconds (the rollup bucket), got '${stepSeconds}'`);
    }
    const points = Math.ceil(windowSeconds / stepSeconds);
    if (points > MAX_TIMESERIES_POINTS) {
      throw new RoutetraceError('invalid_parameter', `window / step gives ${points} points; at most ${MAX_TIMESERIES_POINTS}: use a larger step`);
    }
    // The reader answers with the body's JSON text (see TraceReads.timeseriesJson); same bytes and
    // Content-Type as res.json would send.
    res.type('json').send(
      await store.queries.timeseriesJson({
        windowSeconds,
        stepSeconds,
        nowMs: Date.now(),
        nodeId: stringParam(params, 'node_id'),
        routingPolicy: stringParam(params, 'routing_policy'),
        nodeLimit: integerParam(params, 'nodes', 1, 1000) ?? DEFAULT_TIMESERIES_NODES,
      }),
    );
  };
}
