import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StoredTrace, Timeseries, TraceStats } from '#shared/api-types.js';
import { isRecord } from '#shared/guards.js';
import type { ReplayFilter, TraceFilter } from './list-query.js';
import type { StatsOptions } from './stats-query.js';
import type { TimeseriesOptions } from './timeseries-query.js';
import type { ReadMethod, TraceReads } from './trace-reader.js';

/** An error from the reader thread, with SQLite's code kept so the HTTP layer can map it. */
export class ReadError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'ReadError';
    this.code = code;
  }
}

/**
 * The compiled worker script. Under vitest this module runs from its TypeScript source, and a
 * worker thread cannot load .ts with .js imports: it then uses the build in dist/ (`npm test`
 * builds first).
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = join(dirname(here), 'read-worker.js');
  if (!here.endsWith('.ts') && existsSync(sibling)) return sibling;
  return resolve(dirname(here), '../../dist/collector/reads/read-worker.js');
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * One reader thread (reads are short once stats come from rollups; one thread leaves the other
 * core to the event loop). Requests queue in the thread's message port; a thread that dies
 * fails what it held and is started again on the next read.
 */
export class ReadPool implements TraceReads {
  readonly #path: string;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;

  constructor(path: string) {
    this.#path = path;
  }

  list(filter: TraceFilter): Promise<StoredTrace[]> {
    return this.#call('list', [filter]) as Promise<StoredTrace[]>;
  }

  byRequestId(requestId: string, limit?: number): Promise<StoredTrace[]> {
    return this.#call('byRequestId', [requestId, limit]) as Promise<StoredTrace[]>;
  }

  stats(options: StatsOptions): Promise<TraceStats> {
    return this.#call('stats', [options]) as Promise<TraceStats>;
  }

  timeseries(options: TimeseriesOptions): Promise<Timeseries> {
    return this.#call('timeseries', [options]) as Promise<Timeseries>;
  }

  replay(afterSeq: number, filter: ReplayFilter, pageSize: number): Promise<StoredTrace[]> {
    return this.#call('replay', [afterSeq, filter, pageSize]) as Promise<StoredTrace[]>;
  }

  /** Starts the thread now, so the first read does not pay for it. */
  start(): void {
    this.#ensureWorker();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    // Let the thread close its connections cleanly (then the writer's close can fold the WAL in).
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      worker.on('message', (message: unknown) => {
        if (isRecord(message) && message.closed === true) {
          clearTimeout(timer);
          resolve();
        }
      });
      worker.postMessage({ close: true });
    });
    await worker.terminate();
  }

  #call(method: ReadMethod, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ReadError('the collector is closing', 'SQLITE_MISUSE'));
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    // Referenced only while a read is in flight: an idle reader never keeps the process alive.
    if (this.#pending.size === 0) worker.ref();
    return new Promise<unknown>((resolvePromise, reject) => {
      this.#pending.set(id, { resolve: resolvePromise, reject });
      worker.postMessage({ id, method, args });
    }).finally(() => {
      if (this.#pending.size === 0) worker.unref();
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(workerScript(), { name: 'routetrace-reader', workerData: { path: this.#path } });
    // Never keeps the process alive on its own (referenced only while a read is in flight).
    worker.unref();
    worker.on('message', (message: unknown) => {
      if (!isRecord(message) || typeof message.id !== 'number') return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.ok === true) pending.resolve(message.value);
      else pending.reject(new ReadError(String(message.message), typeof message.code === 'string' ? message.code : undefined));
    });
    const fail = (error: Error): void => {
      if (this.#worker === worker) this.#worker = undefined;
      const code = error instanceof ReadError ? error.code : (Reflect.get(error, 'code') as string | undefined);
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(new ReadError(`reader thread failed: ${error.message}`, typeof code === 'string' && code.startsWith('SQLITE_') ? code : 'SQLITE_IOERR'));
      }
    };
    worker.on('error', fail);
    // The next read starts a new thread.
    worker.on('exit', (exitCode) => fail(new Error(`reader thread exited with code ${exitCode}`)));
    this.#worker = worker;
    return worker;
  }
}
