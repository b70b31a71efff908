import type { RequestHandler } from 'express';
import type { IngestResult } from '#shared/batch.js';
import { errorBody } from '#shared/errors.js';
import { jsonCharset } from '../http/json-body.js';
import type { IngestThread } from '../ingest/ingest-thread.js';
import type { CollectorMetrics } from '../metrics.js';
import type { TraceStore } from '../store/trace-store.js';

export interface IngestDeps {
  store: TraceStore;
  metrics: CollectorMetrics;
  /** Parses, validates and maps bodies off the event loop. */
  checker: IngestThread;
  maxTraceEntries: number;
  /** Called when a batch takes the table past the cap, so retention need not wait its interval. */
  onCapExceeded: () => void;
}

/**
 * `POST /v1/traces`: one record, an array, or `{"records", "proxy_id", "dropped"}`. The body's
 * bytes go to the ingest thread (decoded, checked and mapped there), its rows to the store, where
 * they are stored in one transaction; invalid records are listed by index and never stored. The
 * event loop only hands buffers between threads.
 */
export function ingestRoute(deps: IngestDeps): RequestHandler {
  return async (req, res) => {
    const received: unknown = req.body;
    req.body = undefined;
    // No body at all (no Content-Length, no chunks): the check answers invalid_batch, as for any non-batch.
    const bytes = received instanceof Uint8Array ? received : undefined;
    const { batch, rejected } = await deps.checker.check(bytes, jsonCharset(req.headers['content-type']), Date.now());
    const { meta } = batch;
    deps.metrics.rejected.inc(rejected.length);
    deps.metrics.cachedTokensClamped.inc(meta.clampedCachedTokens ?? 0);

    if (batch.count === 0 && rejected.length > 0) {
      // The envelope's drop count is stored even when every record is refused: the proxy
      // forgets it once the batch is answered (issue 13 §4).
      if (meta.dropped > 0) {
        await deps.store.write(batch);
        deps.metrics.droppedReported.inc(meta.dropped);
      }
      const body: IngestResult = { accepted: 0, duplicates: 0, rejected };
      res.status(400).json({ ...body, ...errorBody('no_valid_records', `all ${rejected.length} records are invalid`) });
      return;
    }

    const written = await deps.store.write(batch);
    deps.metrics.accepted.inc(written.accepted);
    deps.metrics.duplicates.inc(written.duplicates);
    deps.metrics.droppedReported.inc(meta.dropped);
    if ((await deps.store.countRows()) > deps.maxTraceEntries) deps.onCapExceeded();

    const body: IngestResult = { accepted: written.accepted, duplicates: written.duplicates, rejected };
    res.status(200).json(body);
  };
}
