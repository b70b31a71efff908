import type { RequestHandler } from 'express';
import { RoutetraceError } from '#shared/errors.js';
import { TRACE_STATUSES } from '#shared/record.js';
import { choiceParam, integerParam, readQuery, stringParam, timeParam } from '../http/query-params.js';
import type { ReplayFilter, TraceFilter } from '../reads/list-query.js';
import type { TraceStore } from '../store/trace-store.js';

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 10_000;

const LIST_PARAMS = ['limit', 'before', 'node_id', 'worker_url', 'status', 'routing_policy', 'request_id', 'decision', 'since', 'until'] as const;

/** The equality filters the list API and the live tail share, from a query already read. */
export function equalityFilters(params: Map<string, string>): ReplayFilter {
  return {
    nodeId: stringParam(params, 'node_id'),
    workerUrl: stringParam(params, 'worker_url'),
    status: choiceParam(params, 'status', TRACE_STATUSES),
    routingPolicy: stringParam(params, 'routing_policy'),
    requestId: stringParam(params, 'request_id'),
    decision: stringParam(params, 'decision'),
  };
}

export function parseListQuery(query: unknown): TraceFilter {
  const params = readQuery(query, LIST_PARAMS);
  const filter: TraceFilter = {
    limit: integerParam(params, 'limit', 1, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT,
    beforeSeq: integerParam(params, 'before', 1, Number.MAX_SAFE_INTEGER),
    ...equalityFilters(params),
    sinceMs: timeParam(params, 'since'),
    untilMs: timeParam(params, 'until'),
  };
  if (filter.sinceMs !== undefined && filter.untilMs !== undefined && filter.sinceMs > filter.untilMs) {
    throw new RoutetraceError('invalid_parameter', 'since: must not be later than until');
  }
  return filter;
}

/**
 * `GET /v1/traces`: newest first; `before=<seq>` pages back with no gap or repeat. A full page
 * carries the next cursor in `X-Next-Before` and `Link: <…>; rel="next"` (RFC 8288), so the body
 * stays the plain array older clients expect.
 */
export function listRoute(store: TraceStore): RequestHandler {
  return async (req, res) => {
    const filter = parseListQuery(req.query);
    const traces = await store.queries.list(filter);
    const last = traces.at(-1);
    if (traces.length === filter.limit && last !== undefined) {
      const next = new URLSearchParams(Object.entries(req.query as Record<string, string>).filter(([name]) => name !== 'before'));
      next.set('before', String(last.seq));
      res.setHeader('X-Next-Before', String(last.seq));
      res.setHeader('Link', `<${req.baseUrl}${req.path}?${next.toString()}>; rel="next"`);
    }
    res.json(traces);
  };
}

/** `GET /v1/traces/{request_id}`: the latest record, or `?all=true` for every one. */
export function lookupRoute(store: TraceStore): RequestHandler {
  return async (req, res) => {
    const params = readQuery(req.query, ['all']);
    const all = choiceParam(params, 'all', ['true', 'false', '1', '0']);
    const requestId = String(req.params.requestId);
    const wantAll = all === 'true' || all === '1';
    const traces = await store.queries.byRequestId(requestId, wantAll ? undefined : 1);
    if (traces.length === 0) throw new RoutetraceError('trace_not_found', `no trace with request_id '${requestId}'`);
    res.json(wantAll ? traces : traces[0]);
  };
}
