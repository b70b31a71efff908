import { isRecord } from '#shared/guards.js';
import { CollectorThread } from '../threads/collector-thread.js';
import type { WriteRequest } from './write-protocol.js';

type Request = WriteRequest extends infer R ? (R extends WriteRequest ? Omit<R, 'id'> : never) : never;

/**
 * The event loop's side of the writer thread (write-worker.ts). Requests run there one at a
 * time in the order sent. A thread that dies (a native fault, an out-of-memory) fails every
 * request it held with SQLITE_IOERR, which ingest answers 503 (the proxy retries); SQLite rolls
 * back a transaction that never committed, so no batch is ever half-written. The next request
 * starts a new thread.
 */
export class WriterThread {
  readonly #thread: CollectorThread;
  #listening = false;

  constructor(path: string, onCounters: (counters: Record<string, number>) => void) {
    this.#thread = new CollectorThread({
      script: 'store/write-worker.js',
      name: 'routetrace-writer',
      label: 'writer thread',
      // A restarted thread keeps sending rows back if a live-tail listener was there.
      workerData: () => ({ path, listening: this.#listening }),
      closeTimeoutMs: 5000,
      onReply: (message) => {
        if (isRecord(message.counters)) onCounters(numbersOf(message.counters));
      },
    });
  }

  start(): void {
    this.#thread.start();
  }

  /** `transfer`: buffers handed to the thread (the rows of a write). */
  request(request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    return this.#thread.request(request, transfer);
  }

  /**
   * Whether the thread sends stored rows back. Resolves once the thread has applied it: every
   * write sent before it has then committed, and every later one carries its rows.
   */
  async setListening(on: boolean): Promise<void> {
    this.#listening = on;
    await this.request({ op: 'listen', on });
  }

  /** Stops the thread as a crash would (tests of the restart path). */
  terminate(): Promise<void> {
    return this.#thread.terminate();
  }

  close(): Promise<void> {
    return this.#thread.close();
  }
}

function numbersOf(record: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}
