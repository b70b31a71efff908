import type { RequestHandler } from 'express';
import type { TraceStore } from '../store/trace-store.js';
import { packageVersion } from '#shared/version.js';

/** `GET /health`: 200 with a few store figures; a failing database read becomes a 503. */
export function healthRoute(store: TraceStore, startedMs: number): RequestHandler {
  const version = packageVersion();
  return async (_req, res) => {
    const totalRequests = await store.queries.counter('total_requests');
    res.json({
      status: 'ok',
      version,
      uptime_seconds: Math.round((Date.now() - startedMs) / 1000),
      retained_traces: store.countRows(),
      total_requests: totalRequests,
      database: store.path,
    });
  };
}
