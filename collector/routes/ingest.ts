import type { RequestHandler } from 'express';
import { unpackBatch, type IngestResult } from '#shared/batch.js';
import { errorBody, RoutetraceError } from '#shared/errors.js';
import { validateRecord, type RoutingRecord } from '#shared/record.js';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import { toIso } from '#shared/time.js';
import type { CollectorMetrics } from '../metrics.js';
import type { TraceStore } from '../store/trace-store.js';

export interface IngestDeps {
  store: TraceStore;
  metrics: CollectorMetrics;
  maxTraceEntries: number;
  /** Called when a batch takes the table past the cap, so retention need not wait its interval. */
  onCapExceeded: () => void;
  /** Records routed more than this far in the collector's future are refused. */
  maxClockSkewSeconds: number;
}

/**
 * `POST /v1/traces`: one record, an array, or `{"records", "proxy_id", "dropped"}`. Valid
 * records are stored in one transaction; invalid ones are listed by index and never stored.
 */
export function ingestRoute(deps: IngestDeps): RequestHandler {
  return async (req, res) => {
    const batch = unpackBatch(req.body);
    if (!batch.ok) throw new RoutetraceError('invalid_batch', batch.error);

    const receivedMs = Date.now();
    // A timestamp from a skewed clock far in the future would never expire and would pin
    // `newest` and the top of every page (issue 14 item 7).
    const latestMs = receivedMs + deps.maxClockSkewSeconds * 1000;
    const valid: RoutingRecord[] = [];
    const rejected: IngestResult['rejected'] = [];
    let clamped = 0;
    batch.records.forEach((candidate, index) => {
      // The fast check accepts what the schema accepts; anything else gets the schema's verdict and messages.
      const result = fastValidateRecord(candidate) ?? validateRecord(candidate);
      if (!result.ok) rejected.push({ index, error: result.error });
      else if (result.record.timestamp > latestMs) {
        rejected.push({
          index,
          error: `timestamp: ${toIso(result.record.timestamp)} is more than ${deps.maxClockSkewSeconds} s ahead of the collector's clock (${toIso(receivedMs)}); check the sender's clock`,
        });
      } else {
        valid.push(result.record);
        if (result.clamped) clamped += 1;
      }
    });
    deps.metrics.rejected.inc(rejected.length);
    deps.metrics.cachedTokensClamped.inc(clamped);
    const meta = { receivedMs, proxyId: batch.proxyId, dropped: batch.dropped, clampedCachedTokens: clamped };

    if (valid.length === 0 && rejected.length > 0) {
      // The envelope's drop count is stored even when every record is refused: the proxy
      // forgets it once the batch is answered (issue 13 §4).
      if (batch.dropped > 0) {
        await deps.store.write([], meta);
        deps.metrics.droppedReported.inc(batch.dropped);
      }
      const body: IngestResult = { accepted: 0, duplicates: 0, rejected };
      res.status(400).json({ ...body, ...errorBody('no_valid_records', `all ${rejected.length} records are invalid`) });
      return;
    }

    const written = await deps.store.write(valid, meta);
    deps.metrics.accepted.inc(written.accepted);
    deps.metrics.duplicates.inc(written.duplicates);
    deps.metrics.droppedReported.inc(batch.dropped);
    if ((await deps.store.countRows()) > deps.maxTraceEntries) deps.onCapExceeded();

    const body: IngestResult = { accepted: written.accepted, duplicates: written.duplicates, rejected };
    res.status(200).json(body);
  };
}
