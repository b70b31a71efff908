import express, { type Express } from 'express';
import type { Logger } from '#shared/log.js';
import { requireIngestToken } from './http/auth.js';
import { errorHandler, methodNotAllowed, routeNotFound } from './http/error-handler.js';
import { jsonBytesBody } from './http/json-body.js';
import type { IngestThread } from './ingest/ingest-thread.js';
import type { CollectorMetrics } from './metrics.js';
import { healthRoute } from './routes/health.js';
import { ingestRoute } from './routes/ingest.js';
import { DASHBOARD_PATH, dashboardRoute } from './routes/dashboard.js';
import { metricsRoute } from './routes/metrics.js';
import { statsRoute } from './routes/stats.js';
import { streamRoute } from './routes/stream.js';
import { timeseriesRoute } from './routes/timeseries.js';
import type { StreamHub } from './stream/stream-hub.js';
import { listRoute, lookupRoute } from './routes/traces.js';
import type { TraceStore } from './store/trace-store.js';

export interface CollectorAppDeps {
  store: TraceStore;
  /** The ingest thread: bodies are parsed and validated there. */
  checker: IngestThread;
  metrics: CollectorMetrics;
  logger: Logger;
  ingestToken: string | undefined;
  maxBodyBytes: number;
  onCapExceeded: () => void;
  startedMs: number;
  streams: StreamHub;
}

/** Routes under `/v1/traces` and, for the seed's older clients, the same under `/traces`. */
export const TRACE_PREFIXES = ['/v1/traces', '/traces'] as const;

export function createCollectorApp(deps: CollectorAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag hashing of every JSON answer: traces change with every insert anyway.
  app.set('etag', false);
  app.set('query parser', 'simple');

  const ingest = [
    requireIngestToken(deps.ingestToken),
    ...jsonBytesBody(deps.maxBodyBytes),
    ingestRoute({
      store: deps.store,
      metrics: deps.metrics,
      checker: deps.checker,
      maxTraceEntries: deps.store.retention.policy.maxTraceEntries,
      onCapExceeded: deps.onCapExceeded,
    }),
  ];
  for (const prefix of TRACE_PREFIXES) {
    // stats and timeseries before :requestId, so neither is read as a request id.
    app.get(`${prefix}/stats`, statsRoute(deps.store));
    app.all(`${prefix}/stats`, methodNotAllowed(['GET']));
    app.get(`${prefix}/timeseries`, timeseriesRoute(deps.store));
    app.all(`${prefix}/timeseries`, methodNotAllowed(['GET']));
    app.get(`${prefix}/stream`, streamRoute(deps.streams));
    app.all(`${prefix}/stream`, methodNotAllowed(['GET']));
    app.get(prefix, listRoute(deps.store));
    app.post(prefix, ...ingest);
    app.all(prefix, methodNotAllowed(['GET', 'POST']));
    app.get(`${prefix}/:requestId`, lookupRoute(deps.store));
    app.all(`${prefix}/:requestId`, methodNotAllowed(['GET']));
  }
  app.get('/health', healthRoute(deps.store, deps.startedMs));
  app.get('/metrics', metricsRoute(deps.metrics.registry));
  app.use(DASHBOARD_PATH, dashboardRoute());
  app.get('/', (_req, res) => res.redirect(302, `${DASHBOARD_PATH}/`));
  app.use(routeNotFound());
  app.use(errorHandler(deps.logger));
  return app;
}
