import type { RequestHandler } from 'express';
import { unpackBatch, type IngestResult } from '#shared/batch.js';
import { errorBody, RoutetraceError } from '#shared/errors.js';
import { validateRecord, type RoutingRecord } from '#shared/record.js';
import type { CollectorMetrics } from '../metrics.js';
import type { TraceStore } from '../store/trace-store.js';

export interface IngestDeps {
  store: TraceStore;
  metrics: CollectorMetrics;
  maxTraceEntries: number;
  /** Called when a batch takes the table past the cap, so retention need not wait its interval. */
  onCapExceeded: () => void;
}

/**
 * `POST /v1/traces`: one record, an array, or `{"records", "proxy_id", "dropped"}`. Valid
 * records are stored in one transaction; invalid ones are listed by index and never stored.
 */
export function ingestRoute(deps: IngestDeps): RequestHandler {
  return (req, res) => {
    const batch = unpackBatch(req.body);
    if (!batch.ok) throw new RoutetraceError('invalid_batch', batch.error);

    const valid: RoutingRecord[] = [];
    const rejected: IngestResult['rejected'] = [];
    batch.records.forEach((candidate, index) => {
      const result = validateRecord(candidate);
      if (result.ok) valid.push(result.record);
      else rejected.push({ index, error: result.error });
    });
    deps.metrics.rejected.inc(rejected.length);

    if (valid.length === 0 && rejected.length > 0) {
      const body: IngestResult = { accepted: 0, duplicates: 0, rejected };
      res.status(400).json({ ...body, ...errorBody('no_valid_records', `all ${rejected.length} records are invalid`) });
      return;
    }

    const written = deps.store.write(valid, { receivedMs: Date.now(), proxyId: batch.proxyId, dropped: batch.dropped });
    deps.metrics.accepted.inc(written.accepted);
    deps.metrics.duplicates.inc(written.duplicates);
    deps.metrics.droppedReported.inc(batch.dropped);
    if (deps.store.countRows() > deps.maxTraceEntries) deps.onCapExceeded();

    const body: IngestResult = { accepted: written.accepted, duplicates: written.duplicates, rejected };
    res.status(200).json(body);
  };
}
