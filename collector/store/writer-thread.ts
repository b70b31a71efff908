import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isRecord } from '#shared/guards.js';
import type { WriteRequest } from './write-protocol.js';

/** A failure on the writer thread, with SQLite's code kept so the HTTP layer maps it (503 storage_unavailable). */
export class WriteError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'WriteError';
    this.code = code;
  }
}

/** The compiled worker script; from TypeScript sources (vitest) the build in dist/ (as for the reader thread). */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = join(dirname(here), 'write-worker.js');
  if (!here.endsWith('.ts') && existsSync(sibling)) return sibling;
  return resolve(dirname(here), '../../dist/collector/store/write-worker.js');
}

type Request = WriteRequest extends infer R ? (R extends WriteRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The event loop's side of the writer thread (write-worker.ts). Requests run there one at a
 * time in the order sent. A thread that dies (a native fault, an out-of-memory) fails every
 * request it held with SQLITE_IOERR, which ingest answers 503 (the proxy retries); SQLite rolls
 * back a transaction that never committed, so no batch is ever half-written. The next request
 * starts a new thread.
 */
export class WriterThread {
  readonly #path: string;
  readonly #onCounters: (counters: Record<string, number>) => void;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;
  #listening = false;

  constructor(path: string, onCounters: (counters: Record<string, number>) => void) {
    this.#path = path;
    this.#onCounters = onCounters;
  }

  start(): void {
    this.#ensureWorker();
  }

  request(request: Request): Promise<unknown> {
    if (this.#closed) return Promise.reject(new WriteError('the collector is closing', 'SQLITE_MISUSE'));
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    // Referenced only while a request is in flight: an idle writer never keeps the process alive.
    if (this.#pending.size === 0) worker.ref();
    return new Promise<unknown>((resolvePromise, reject) => {
      this.#pending.set(id, { resolve: resolvePromise, reject });
      worker.postMessage({ ...request, id });
    }).finally(() => {
      if (this.#pending.size === 0) this.#worker?.unref();
    });
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
  async terminate(): Promise<void> {
    await this.#worker?.terminate();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    // Requests already sent run first (the port is ordered); then the thread closes its connection.
    await new Promise<void>((resolvePromise) => {
      const timer = setTimeout(resolvePromise, 5000);
      worker.on('message', (message: unknown) => {
        if (isRecord(message) && message.closed === true) {
          clearTimeout(timer);
          resolvePromise();
        }
      });
      worker.ref();
      worker.postMessage({ close: true });
    });
    await worker.terminate();
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(workerScript(), { name: 'routetrace-writer', workerData: { path: this.#path, listening: this.#listening } });
    worker.unref();
    worker.on('message', (message: unknown) => this.#settle(message));
    const fail = (error: Error): void => {
      if (this.#worker === worker) this.#worker = undefined;
      const code: unknown = Reflect.get(error, 'code');
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(new WriteError(`writer thread failed: ${error.message}`, typeof code === 'string' && code.startsWith('SQLITE_') ? code : 'SQLITE_IOERR'));
      }
    };
    worker.on('error', fail);
    // The next request starts a new thread: a thread that cannot open the file fails each
    // request with its error instead of restarting in a loop.
    worker.on('exit', (exitCode) => fail(new Error(`writer thread exited with code ${exitCode}`)));
    this.#worker = worker;
    return worker;
  }

  #settle(message: unknown): void {
    if (!isRecord(message) || typeof message.id !== 'number') return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok === true) {
      if (isRecord(message.counters)) this.#onCounters(numbersOf(message.counters));
      pending.resolve(message.value);
    } else {
      pending.reject(new WriteError(String(message.message), typeof message.code === 'string' ? message.code : undefined));
    }
  }
}

function numbersOf(record: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}
