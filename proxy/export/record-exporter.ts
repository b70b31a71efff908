import type { TraceClient } from '#shared/client.js';
import type { Logger } from '#shared/log.js';
import type { RoutingRecordInput } from '#shared/record.js';
import { withDefaults } from '#shared/defaults.js';
import { RingQueue } from './ring-queue.js';

export interface ExporterOptions {
  /** Records held at most; when full, the oldest are dropped and counted. Default: 100000. */
  maxQueueSize?: number;
  /** Records per POST; a full batch is sent at once. Default: 1000. */
  maxBatchSize?: number;
  /** A partial batch is sent this often. Default: 200 ms. */
  flushIntervalMs?: number;
  /** Per-POST timeout. Default: 5000 ms. */
  exportTimeoutMs?: number;
  /** First retry delay; doubles per failure, with ±20% jitter. Default: 100 ms. */
  initialBackoffMs?: number;
  /** Longest retry delay. Default: 5000 ms. */
  maxBackoffMs?: number;
}

export interface ExporterCounters {
  /** Records the collector stored (accepted + duplicates of an earlier send). */
  sent: number;
  /** Records dropped because the queue was full. */
  dropped: number;
  /** Records the collector refused (invalid, or a non-retryable status such as 401). */
  failed: number;
  /** POSTs that failed and were retried. */
  retries: number;
}

export interface ExporterHooks {
  onSent?: (count: number) => void;
  onDropped?: (count: number) => void;
  onFailed?: (count: number) => void;
}

const DEFAULTS: Required<ExporterOptions> = {
  maxQueueSize: 100_000,
  maxBatchSize: 1000,
  flushIntervalMs: 200,
  exportTimeoutMs: 5000,
  initialBackoffMs: 100,
  maxBackoffMs: 5000,
};

/**
 * Ships routing records to the collector in batches, after OpenTelemetry's batch span
 * processor: a bounded queue that drops (and counts) the oldest when full, one POST in
 * flight, a full batch sent at once and a partial one on an unref'd timer, retries with
 * backoff and jitter on network errors, 429 and 5xx. `enqueue` is O(1) and never waits: the
 * forwarding path does not depend on the collector being up.
 */
export class RecordExporter {
  readonly #client: TraceClient;
  readonly #proxyId: string;
  readonly #logger: Logger;
  readonly #hooks: ExporterHooks;
  readonly #config: Required<ExporterOptions>;
  /** Records serialised at enqueue: flat strings die or survive cheaply, object graphs get traced and promoted. */
  readonly #queue: RingQueue<string>;
  readonly counters: ExporterCounters = { sent: 0, dropped: 0, failed: 0, retries: 0 };
  /** Dropped since the last batch the collector accepted: reported in the next envelope. */
  #unreportedDrops = 0;
  #dropsInBurst = 0;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #backoffMs = 0;
  #retryAt = 0;
  #shutdown: Promise<void> | undefined;

  constructor(client: TraceClient, proxyId: string, logger: Logger, options: ExporterOptions = {}, hooks: ExporterHooks = {}) {
    this.#client = client;
    this.#proxyId = proxyId;
    this.#logger = logger;
    this.#hooks = hooks;
    this.#config = withDefaults(DEFAULTS, options);
    this.#queue = new RingQueue(this.#config.maxQueueSize);
    this.#timer = setInterval(() => this.#maybeExport(), this.#config.flushIntervalMs);
    this.#timer.unref();
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  enqueue(record: RoutingRecordInput): void {
    if (this.#shutdown !== undefined) return;
    if (this.#queue.push(JSON.stringify(record))) this.#countDrops(1);
    if (this.#queue.length >= this.#config.maxBatchSize && this.#inFlight === undefined) {
      setImmediate(() => this.#maybeExport());
    }
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

  /** Stops the timer and flushes once; every call returns the same promise. */
  shutdown(deadlineMs = 5000): Promise<void> {
    this.#shutdown ??= (async () => {
      clearInterval(this.#timer);
      await this.forceFlush(deadlineMs);
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
      this.#logger.warn({ maxQueueSize: this.#config.maxQueueSize }, 'exporter queue full: dropping the oldest records until the collector catches up');
    }
    this.#dropsInBurst += count;
  }

  #maybeExport(): void {
    if (this.#inFlight !== undefined || Date.now() < this.#retryAt) return;
    if (this.#queue.length === 0 && this.#unreportedDrops === 0) return;
    this.#inFlight = this.#exportBatch().finally(() => {
      this.#inFlight = undefined;
      if (this.#queue.length >= this.#config.maxBatchSize) setImmediate(() => this.#maybeExport());
    });
  }

  async #exportBatch(): Promise<void> {
    const batch = this.#queue.take(this.#config.maxBatchSize);
    const dropped = this.#unreportedDrops;
    const outcome = await this.#client.sendSerializedBatch(batch, this.#proxyId, dropped, this.#config.exportTimeoutMs);
    switch (outcome.kind) {
      case 'accepted': {
        this.#unreportedDrops -= dropped;
        this.#backoffMs = 0;
        this.#retryAt = 0;
        const stored = outcome.result.accepted + outcome.result.duplicates;
        this.counters.sent += stored;
        this.#hooks.onSent?.(stored);
        if (outcome.result.rejected.length > 0) {
          this.counters.failed += outcome.result.rejected.length;
          this.#hooks.onFailed?.(outcome.result.rejected.length);
          this.#logger.error({ rejected: outcome.result.rejected.slice(0, 3) }, 'collector rejected records');
        }
        if (this.#dropsInBurst > 0) {
          this.#logger.warn({ dropped: this.#dropsInBurst }, 'exporter caught up after dropping records');
          this.#dropsInBurst = 0;
        }
        return;
      }
      case 'retryable': {
        const requeueDrops = this.#queue.unshiftAll(batch);
        if (requeueDrops > 0) this.#countDrops(requeueDrops);
        this.counters.retries++;
        this.#backoffMs = Math.min(this.#config.maxBackoffMs, this.#backoffMs === 0 ? this.#config.initialBackoffMs : this.#backoffMs * 2);
        const jittered = this.#backoffMs * (0.8 + Math.random() * 0.4);
        this.#retryAt = Date.now() + Math.max(jittered, outcome.retryAfterMs ?? 0);
        if (this.counters.retries === 1 || this.#backoffMs === this.#config.maxBackoffMs) {
          this.#logger.warn({ reason: outcome.reason, queued: this.#queue.length, retryInMs: Math.round(this.#retryAt - Date.now()) }, 'collector unreachable; will retry');
        }
        return;
      }
      case 'rejected': {
        // Not retryable (401, 413, …): retrying the same batch would fail the same way.
        this.#unreportedDrops -= dropped;
        this.counters.failed += batch.length;
        this.#hooks.onFailed?.(batch.length);
        this.#logger.error({ status: outcome.status, reason: outcome.reason, records: batch.length }, 'collector refused a batch; records discarded');
        return;
      }
    }
  }
}
