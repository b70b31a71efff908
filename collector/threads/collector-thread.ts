import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isRecord } from '#shared/guards.js';

/**
 * A failure on one of the collector's threads, with its code kept so the HTTP layer maps it
 * (a SQLite thread's SQLITE_* codes answer 503 storage_unavailable).
 */
export class CollectorThreadError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'CollectorThreadError';
    this.code = code;
  }
}

export interface CollectorThreadOptions {
  /** The worker script, relative to the collector's build folder (`dist/collector`), e.g. `reads/read-worker.js`. */
  script: string;
  /** Thread name, as /proc and profilers show it. */
  name: string;
  /** What errors call it: `writer thread`, `reader thread`, `ingest thread`. */
  label: string;
  /**
   * The code its requests fail with when the thread dies. Default SQLITE_IOERR: ingest answers
   * it 503 storage_unavailable and the proxy retries.
   */
  crashCode?: string;
  /** Called at each (re)start: what the new thread is told. */
  workerData: () => unknown;
  /** How long close() waits for the thread to close its connection before terminating it. */
  closeTimeoutMs: number;
  /** Sees every successful reply before its request resolves (the writer's counters ride on them). */
  onReply?: (message: Record<string, unknown>) => void;
}

/** The collector's build folder in dist/; from TypeScript sources (vitest), the build (`npm test` builds first). */
function collectorBuildDir(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../../dist/collector') : resolve(dirname(here), '..');
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The event loop's side of one of the collector's threads (the reader, the writer, the ingest
 * checker): requests carry an id,
 * run there in the order sent, and resolve with the thread's `{id, ok, value}` reply. The thread
 * is referenced only while a request is in flight, so an idle thread never keeps the process
 * alive. A thread that dies (a native fault, an out-of-memory) fails every request it held with
 * `crashCode`, and the next request starts a new one: a thread that cannot open the file fails
 * each request with its error instead of restarting in a loop.
 */
export class CollectorThread {
  readonly #options: CollectorThreadOptions;
  readonly #script: string;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: CollectorThreadOptions) {
    this.#options = options;
    const script = resolve(collectorBuildDir(), options.script);
    if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build`);
    this.#script = script;
  }

  /** Starts the thread now, so the first request does not pay for it. */
  start(): void {
    this.#ensureWorker();
  }

  /** `transfer`: buffers handed over to the thread instead of copied (they are unusable here afterwards). */
  request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.#closed) return Promise.reject(new CollectorThreadError('the collector is closing', 'SQLITE_MISUSE'));
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    if (this.#pending.size === 0) worker.ref();
    return new Promise<unknown>((resolvePromise, reject) => {
      this.#pending.set(id, { resolve: resolvePromise, reject });
      worker.postMessage({ ...message, id }, transfer);
    }).finally(() => {
      if (this.#pending.size === 0) this.#worker?.unref();
    });
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
      const timer = setTimeout(resolvePromise, this.#options.closeTimeoutMs);
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
    const worker = new Worker(this.#script, { name: this.#options.name, workerData: this.#options.workerData() });
    worker.unref();
    worker.on('message', (message: unknown) => this.#settle(message));
    const fail = (error: Error): void => {
      if (this.#worker === worker) this.#worker = undefined;
      const code: unknown = Reflect.get(error, 'code');
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(new CollectorThreadError(`${this.#options.label} failed: ${error.message}`, typeof code === 'string' && code.startsWith('SQLITE_') ? code : (this.#options.crashCode ?? 'SQLITE_IOERR')));
      }
    };
    worker.on('error', fail);
    worker.on('exit', (exitCode) => fail(new Error(`${this.#options.label} exited with code ${exitCode}`)));
    this.#worker = worker;
    return worker;
  }

  #settle(message: unknown): void {
    if (!isRecord(message) || typeof message.id !== 'number') return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok === true) {
      this.#options.onReply?.(message);
      pending.resolve(message.value);
    } else {
      pending.reject(new CollectorThreadError(String(message.message), typeof message.code === 'string' ? message.code : undefined));
    }
  }
}

/**
 * The buffer to hand over with a message: only one that holds exactly these bytes (a small
 * Buffer may share Node's pool with others, and transferring it would empty theirs).
 */
export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : [];
}
