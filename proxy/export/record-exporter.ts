import type { Logger } from '#shared/log.js';
import type { RoutingRecordInput } from '#shared/record.js';
import { withDefaults } from '#shared/defaults.js';
import type { IngestSender } from './batch-sender.js';
import { EXPORTER_DEFAULTS, type ExporterCounters, type ExporterHooks, type ExporterOptions } from './exporter-options.js';
import { RingQueue } from './ring-queue.js';
import { checkRecords } from './source-check.js';

export type { ExporterCounters, ExporterHooks, ExporterOptions } from './exporter-options.js';

/**
 * Ships routing records to the collector, after OpenTelemetry's batch span processor with one
 * change for latency: a record leaves at once when no export is in flight (and none started in
 * the last minExportIntervalMs), and records batch up only while one is, as Nagle's algorithm
 * does; so an idle proxy's record is queryable within milliseconds and a busy one still sends
 * few, large POSTs (at most one per 50 ms unless batches fill). A bounded queue drops (and
 * counts) the oldest when full; one POST in flight; retries with backoff and jitter on network
 * errors, 429, 502, 503 and 504, honouring a capped Retry-After, until the batch's deadline.
 * A retried batch is resent with the same records and drop count, so the collector recognises
 * a replay. `enqueue` is O(1) and never waits: forwarding does not depend on the collector.
 */
export class RecordExporter {
  readonly #sender: IngestSender;
  readonly #proxyId: string;
  readonly #logger: Logger;
  readonly #hooks: ExporterHooks;
  readonly #config: Required<ExporterOptions>;
  /** Records as built; written as JSON (and checked) when their batch is taken, as text once retried. */
  readonly #queue: RingQueue<RoutingRecordInput | string>;
  readonly counters: ExporterCounters = { produced: 0, sent: 0, dropped: 0, failed: 0, retries: 0 };
  /** Dropped and not yet reported in an envelope the collector processed. */
  #unreportedDrops = 0;
  #dropsInBurst = 0;
  #inFlight: Promise<void> | undefined;
  #exportScheduled = false;
  /** performance.now() when the last POST started. */
  #lastExportAt = -Infinity;
  #retryTimer: NodeJS.Timeout | undefined;
  #backoffMs = 0;
  #retryAt = 0;
  /** The batch being retried: its size and drop count, resent unchanged; and since when. */
  #retry: { size: number; dropped: number; since: number } | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(sender: IngestSender, proxyId: string, logger: Logger, options: ExporterOptions = {}, hooks: ExporterHooks = {}) {
    this.#sender = sender;
    this.#proxyId = proxyId;
    this.#logger = logger;
    this.#hooks = hooks;
    this.#config = withDefaults(EXPORTER_DEFAULTS, options);
    this.#queue = new RingQueue(this.#config.maxQueueSize);
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  enqueue(record: RoutingRecordInput): void {
    if (this.#shutdown !== undefined) return;
    this.counters.produced++;
    if (this.#queue.push(record)) this.#countDrops(1);
    if (this.#inFlight === undefined) this.#scheduleExport();
  }

  /**
   * Nagle-like: the next POST starts on the next turn of the event loop (records finished in
   * the same turn share it) when the previous one started at least minExportIntervalMs ago or
   * a full batch waits; otherwise once that interval has passed.
   */
  #scheduleExport(): void {
    if (this.#exportScheduled || this.#inFlight !== undefined || Date.now() < this.#retryAt) return;
    this.#exportScheduled = true;
    const waitMs = this.#queue.length >= this.#config.maxBatchSize ? 0 : this.#lastExportAt + this.#config.minExportIntervalMs - performance.now();
    const run = (): void => {
      this.#exportScheduled = false;
      this.#maybeExport();
    };
    if (waitMs <= 0) setImmediate(run);
    else setTimeout(run, waitMs).unref();
  }

  /** Sends everything queued now (retrying until `deadlineMs`); resolves when done or out of time. */
  async forceFlush(deadlineMs = 5000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while ((this.#queue.length > 0 || this.#inFlight !== undefined || this.#unreportedDrops > 0) && Date.now() < deadline) {
      if (this.#inFlight !== undefined) await this.#inFlight;
      else if (Date.now() < this.#retryAt) await new Promise((resolve) => setTimeout(resolve, Math.min(this.#retryAt, deadline) - Date.now()));
      else this.#maybeExport();
    }
  }

  /** Flushes once and stops; every call returns the same promise. */
  shutdown(deadlineMs = 5000): Promise<void> {
    this.#shutdown ??= (async () => {
      await this.forceFlush(deadlineMs);
      clearTimeout(this.#retryTimer);
      await this.#sender.close?.();
      if (this.#queue.length > 0) {
        this.#logger.warn({ unsent: this.#queue.length }, 'exporter stopped with records unsent (collector unreachable)');
      }
    })();
    return this.#shutdown;
  }

  #countDrops(count: number): void {
    this.counters.dropped += count;
    this.#unreportedDrops += count;
    this.#hooks.onDropped?.(count);
    // One log line per burst of drops, not one per record.
    if (this.#dropsInBurst === 0) {
      this.#logger.warn({ maxQueueSize: this.#config.maxQueueSize }, 'exporter dropping records (queue full or collector unreachable past the batch deadline)');
    }
    this.#dropsInBurst += count;
  }

  #countFailed(count: number): void {
    this.counters.failed += count;
    this.#hooks.onFailed?.(count);
  }

  #maybeExport(): void {
    if (this.#inFlight !== undefined || Date.now() < this.#retryAt) return;
    if (this.#queue.length === 0 && this.#unreportedDrops === 0) return;
    this.#lastExportAt = performance.now();
    this.#inFlight = this.#exportBatch().finally(() => {
      this.#inFlight = undefined;
      // Records that arrived during the export leave next, as one batch.
      if (this.#queue.length > 0 || this.#unreportedDrops > 0) this.#scheduleExport();
    });
  }

  /**
   * The next batch, its records checked against the shared schema: the retried one (same size
   * and drop count), else fresh records. A retried batch is text already, unless newer records
   * pushed some of it out of a full queue while it waited: those newer ones take its place and
   * are checked here like any other.
   */
  #takeBatch(): { records: string[]; dropped: number; since: number } {
    const retry = this.#retry;
    this.#retry = undefined;
    const { valid: records, invalid, firstError } = checkRecords(this.#queue.take(retry?.size ?? this.#config.maxBatchSize));
    if (invalid > 0) {
      // The collector would refuse them; they are refused here, so a batch is never all-invalid.
      this.#countFailed(invalid);
      this.#logger.error({ invalid, error: firstError }, 'routing records invalid by the shared schema; not sent');
    }
    if (retry !== undefined) return { records, dropped: retry.dropped, since: retry.since };
    const dropped = Math.min(this.#unreportedDrops, this.#config.maxDroppedPerEnvelope);
    this.#unreportedDrops -= dropped;
    return { records, dropped, since: Date.now() };
  }

  async #exportBatch(): Promise<void> {
    const batch = this.#takeBatch();
    if (batch.records.length === 0 && batch.dropped === 0) return;
    const outcome = await this.#sender.sendBatch({ records: batch.records, proxyId: this.#proxyId, dropped: batch.dropped }, this.#config.exportTimeoutMs);
    switch (outcome.kind) {
      case 'accepted': {
        this.#backoffMs = 0;
        this.#retryAt = 0;
        const stored = outcome.result.accepted + outcome.result.duplicates;
        this.counters.sent += stored;
        this.#hooks.onSent?.(stored);
        const refused = batch.records.length - stored;
        if (refused > 0) {
          this.#countFailed(refused);
          this.#logger.error({ rejected: outcome.result.rejected.slice(0, 3) }, 'collector rejected records');
        }
        if (this.#dropsInBurst > 0) {
          this.#logger.warn({ dropped: this.#dropsInBurst }, 'exporter caught up after dropping records');
          this.#dropsInBurst = 0;
        }
        return;
      }
      case 'retryable': {
        this.counters.retries++;
        this.#backoffMs = Math.min(this.#config.maxBackoffMs, this.#backoffMs === 0 ? this.#config.initialBackoffMs : this.#backoffMs * 2);
        const jittered = this.#backoffMs * (0.8 + Math.random() * 0.4);
        const waitMs = Math.max(jittered, Math.min(outcome.retryAfterMs ?? 0, this.#config.maxRetryAfterMs));
        if (Date.now() + waitMs - batch.since > this.#config.batchDeadlineMs) {
          // Past its deadline: the batch is lost, and reported as dropped.
          this.#unreportedDrops += batch.dropped;
          this.#countDrops(batch.records.length);
          this.#logger.error({ records: batch.records.length, reason: outcome.reason }, 'collector unreachable past the batch deadline; records dropped');
        } else {
          const overflow = this.#queue.unshiftAll(batch.records);
          if (overflow > 0) this.#countDrops(overflow);
          this.#retry = { size: batch.records.length - overflow, dropped: batch.dropped, since: batch.since };
        }
        this.#scheduleRetry(waitMs);
        if (this.counters.retries === 1 || this.#backoffMs === this.#config.maxBackoffMs) {
          this.#logger.warn({ reason: outcome.reason, queued: this.#queue.length, retryInMs: Math.round(waitMs) }, 'collector unreachable; will retry');
        }
        return;
      }
      case 'rejected': {
        // Not retryable (401, 413, 500, …): the same batch would fail the same way. Its records
        // are refused; its drop count was not delivered and goes in the next envelope.
        this.#unreportedDrops += batch.dropped;
        this.#countFailed(batch.records.length);
        this.#logger.error({ status: outcome.status, reason: outcome.reason, records: batch.records.length }, 'collector refused a batch; records discarded');
        // Back off before the next POST too: a collector that refuses everything (a wrong
        // token) must not be sent a drop report in a tight loop.
        this.#backoffMs = Math.min(this.#config.maxBackoffMs, this.#backoffMs === 0 ? this.#config.initialBackoffMs : this.#backoffMs * 2);
        this.#scheduleRetry(this.#backoffMs);
        return;
      }
    }
  }

  #scheduleRetry(waitMs: number): void {
    this.#retryAt = Date.now() + waitMs;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      // Timers may fire a fraction of a millisecond before Date.now() reaches #retryAt.
      this.#retryAt = 0;
      this.#maybeExport();
    }, waitMs);
    this.#retryTimer.unref();
  }
}
