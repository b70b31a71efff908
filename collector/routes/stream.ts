import type { RequestHandler } from 'express';
import { RoutetraceError } from '#shared/errors.js';
import { integerParam, readQuery } from '../http/query-params.js';
import type { StreamFilter } from '../stream/stream-filter.js';
import type { StreamHub } from '../stream/stream-hub.js';
import { equalityFilters } from './traces.js';

const STREAM_PARAMS = ['after', 'node_id', 'worker_url', 'status', 'routing_policy', 'request_id', 'decision'] as const;

/**
 * `GET /v1/traces/stream`: Server-Sent Events, one per stored record (`id:` its seq, `data:` the
 * record as the list API returns it). Resumes after `Last-Event-ID` (what EventSource sends on
 * reconnect, so it wins) or else `?after=<seq>`; without either, only records stored from now on.
 */
export function streamRoute(hub: StreamHub): RequestHandler {
  return async (req, res) => {
    const params = readQuery(req.query, STREAM_PARAMS);
    const filter: StreamFilter = equalityFilters(params);
    let afterSeq = integerParam(params, 'after', 0, Number.MAX_SAFE_INTEGER);
    const lastEventId = req.get('last-event-id');
    if (lastEventId !== undefined && lastEventId !== '') {
      if (!/^\d{1,16}$/.test(lastEventId)) throw new RoutetraceError('invalid_parameter', `Last-Event-ID: expected a record seq, got '${lastEventId}'`);
      afterSeq = Number(lastEventId);
    }
    try {
      await hub.open(res, filter, afterSeq);
    } catch (error) {
      // Once the event stream has started, an error can only end it (the client resumes).
      if (!res.headersSent) throw error;
      res.destroy();
    }
  };
}
