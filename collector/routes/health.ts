import type { RequestHandler } from 'express';
import type { TraceStore } from '../store/trace-store.js';
import { packageVersion } from '#shared/version.js';

/**
 * `GET /health`: 200 with store figures while storage works; 503 with the same body and
 * `status: "unavailable"` when the last write failed or the database file was unlinked or
 * replaced, so a proxy or orchestrator stops trusting a collector that cannot store.
 */
export function healthRoute(store: TraceStore, startedMs: number): RequestHandler {
  const version = packageVersion();
  return async (_req, res) => {
    // Counted first: on PostgreSQL this query is also the probe that notices an outage (or the
    // recovery) before storageState() is read. A store that cannot count answers null.
    const counts = await Promise.all([store.countRows(), store.counter('total_requests')]).catch(() => [null, null] as const);
    const [retained, total] = counts;
    const storage = store.storageState();
    const ok = storage.ok && retained !== null;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'unavailable',
      version,
      uptime_seconds: Math.round((Date.now() - startedMs) / 1000),
      retained_traces: retained,
      total_requests: total,
      database: store.location,
      storage,
    });
  };
}
