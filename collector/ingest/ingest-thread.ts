import { RoutetraceError, isErrorCode } from '#shared/errors.js';
import { isRecord } from '#shared/guards.js';
import { CollectorThread, CollectorThreadError, transferable } from '../threads/collector-thread.js';
import type { CheckedBatch } from './batch-check.js';

/** What a thread that died leaves its requests with: mapped to 503 ingest_unavailable, which the proxy retries. */
const CRASH_CODE = 'INGEST_THREAD_EXITED';

function isCheckedBatch(value: unknown): value is CheckedBatch {
  return isRecord(value) && isRecord(value.batch) && value.batch.rowsJson instanceof Uint8Array && typeof value.batch.count === 'number'
    && isRecord(value.batch.meta) && Array.isArray(value.rejected);
}

/**
 * The event loop's side of the ingest thread (ingest-worker.ts): one thread, bodies checked in
 * arrival order. One, because the writer thread needs the other core (2 cores measured: the
 * writer is the bottleneck at 20–25 µs per record, the checks take 5–7). A thread that dies fails
 * the bodies it held with 503 ingest_unavailable (nothing of them was stored) and the next body
 * starts a new one.
 */
export class IngestThread {
  readonly #thread = new CollectorThread({
    script: 'ingest/ingest-worker.js',
    name: 'routetrace-ingest',
    label: 'ingest thread',
    workerData: () => null,
    closeTimeoutMs: 2000,
    crashCode: CRASH_CODE,
  });
  readonly #maxClockSkewSeconds: number;

  constructor(maxClockSkewSeconds: number) {
    this.#maxClockSkewSeconds = maxClockSkewSeconds;
  }

  start(): void {
    this.#thread.start();
  }

  /**
   * The body's bytes (undefined: the request had none) in `charset`, checked and mapped; throws
   * the request's error. The bytes are handed to the thread: unusable here afterwards.
   */
  async check(body: Uint8Array | undefined, charset: string, receivedMs: number): Promise<CheckedBatch> {
    let value: unknown;
    try {
      value = await this.#thread.request({ body, charset, maxClockSkewSeconds: this.#maxClockSkewSeconds, receivedMs }, body === undefined ? [] : transferable(body));
    } catch (error) {
      if (error instanceof CollectorThreadError && isErrorCode(error.code)) throw new RoutetraceError(error.code, error.message);
      throw new RoutetraceError('ingest_unavailable', `the batch could not be checked (${error instanceof Error ? error.message : String(error)}); retry`, { cause: error });
    }
    if (!isCheckedBatch(value)) throw new RoutetraceError('internal_error', 'the ingest thread answered an unexpected shape');
    return value;
  }

  /** Stops the thread as a crash would (tests of the restart path). */
  terminate(): Promise<void> {
    return this.#thread.terminate();
  }

  close(): Promise<void> {
    return this.#thread.close();
  }
}
