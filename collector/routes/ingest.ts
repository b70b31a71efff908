import type { Request, RequestHandler } from 'express';
import { unpackBatch, type IngestResult } from '#shared/batch.js';
import { errorBody, RoutetraceError } from '#shared/errors.js';
import { validateRecord, type RoutingRecord } from '#shared/record.js';
import { fastValidateRecord } from '#shared/record-fast-path.js';
import { toIso } from '#shared/time.js';
import type { CollectorMetrics } from '../metrics.js';
import type { BatchMeta, TraceStore } from '../store/trace-store.js';

export interface IngestDeps {
  store: TraceStore;
  metrics: CollectorMetrics;
  maxTraceEntries: number;
  /** Called when a batch takes the table past the cap, so retention need not wait its interval. */
  onCapExceeded: () => void;
  /** Records routed more than this far in the collector's future are refused. */
  maxClockSkewSeconds: number;
}

interface CheckedBatch {
  valid: RoutingRecord[];
  rejected: IngestResult['rejected'];
  meta: Required<BatchMeta>;
}

/**
 * Unpacks and validates the body, then lets go of it (`req.body`): the parsed records must not
 * outlive this synchronous step. Held across the wait for the writer thread, 4 batches of
 * 1,000 parsed records survived young-generation collections and made them cost 10–20 ms.
 */
function checkBatch(req: Request, maxClockSkewSeconds: number): CheckedBatch {
  const batch = unpackBatch(req.body);
  req.body = undefined;
  if (!batch.ok) throw new RoutetraceError('invalid_batch', batch.error);

  const receivedMs = Date.now();
  // A timestamp from a skewed clock far in the future would never expire and would pin
  // `newest` and the top of every page (issue 14 item 7).
  const latestMs = receivedMs + maxClockSkewSeconds * 1000;
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
        error: `timestamp: ${toIso(result.record.timestamp)} is more than ${maxClockSkewSeconds} s ahead of the collector's clock (${toIso(receivedMs)}); check the sender's clock`,
      });
    } else {
      valid.push(result.record);
      if (result.clamped) clamped += 1;
    }
  });
  return { valid, rejected, meta: { receivedMs, proxyId: batch.proxyId, dropped: batch.dropped, clampedCachedTokens: clamped } };
}

/**
 * `POST /v1/traces`: one record, an array, or `{"records", "proxy_id", "dropped"}`. Valid
 * records are stored in one transaction; invalid ones are listed by index and never stored.
 */
export function ingestRoute(deps: IngestDeps): RequestHandler {
  return async (req, res) => {
    const { valid, rejected, meta } = checkBatch(req, deps.maxClockSkewSeconds);
    deps.metrics.rejected.inc(rejected.length);
    deps.metrics.cachedTokensClamped.inc(meta.clampedCachedTokens);

    if (valid.length === 0 && rejected.length > 0) {
      // The envelope's drop count is stored even when every record is refused: the proxy
      // forgets it once the batch is answered (issue 13 §4).
      if (meta.dropped > 0) {
        await deps.store.write([], meta);
        deps.metrics.droppedReported.inc(meta.dropped);
      }
      const body: IngestResult = { accepted: 0, duplicates: 0, rejected };
      res.status(400).json({ ...body, ...errorBody('no_valid_records', `all ${rejected.length} records are invalid`) });
      return;
    }

    const written = await deps.store.write(valid, meta);
    deps.metrics.accepted.inc(written.accepted);
    deps.metrics.duplicates.inc(written.duplicates);
    deps.metrics.droppedReported.inc(meta.dropped);
    if ((await deps.store.countRows()) > deps.maxTraceEntries) deps.onCapExceeded();

    const body: IngestResult = { accepted: written.accepted, duplicates: written.duplicates, rejected };
    res.status(200).json(body);
  };
}
