import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Backend } from '../workers/backend.js';
import type { DeadlineEntry } from './deadlines.js';
import type { RecordFacts, Served } from './record-builder.js';
import type { ResponseObserver } from './response-observer.js';
import type { RequestFacts } from './sglang-body.js';
import type { Usage } from './usage.js';

/**
 * Everything the proxy learns about one request, from arrival to its record: one object of a
 * fixed shape (every field set in the constructor), also the entry of the deadline list and the
 * facts a record is built from. Kept on nothing but the handlers that need it: a per-request
 * WeakMap entry cost ~80 µs/request in GC (measured on the old engine).
 */
export abstract class RequestContext implements DeadlineEntry, RecordFacts {
  readonly timestamp = Date.now();
  readonly method: string;
  readonly requestModel: string | undefined;
  /** Request headers for the worker, flat `[name, value, …]`. */
  headers: string[] = [];
  /** A body streamed from the client (not replayable), when the proxy did not read it. */
  streamBody: Readable | undefined = undefined;
  /** Workers that failed an attempt (only after a first failure). */
  tried: Backend[] | undefined = undefined;
  /** The worker of the current (last) attempt. */
  worker: Backend | undefined = undefined;
  served: Served | undefined = undefined;
  /** Front-of-router mode: the worker as the router's response header named it. */
  attributed: Served | undefined = undefined;
  /** Whether this request counts in `worker.inFlight`. */
  holdsSlot = false;
  attempts = 0;
  /** undici wrote the whole request (the worker may have it). */
  sent = false;
  /** The outcome is decided (or the exchange is over); later events do nothing. */
  done = false;
  controller: Dispatcher.DispatchController | undefined = undefined;
  observer: ResponseObserver | undefined = undefined;
  httpStatus: number | undefined = undefined;
  firstByteAt: number | undefined = undefined;
  queueSize: number | undefined = undefined;
  workerLoad: number | undefined = undefined;
  prefixMatchRate: number | undefined = undefined;
  decision: string | undefined = undefined;
  candidateLoads: Readonly<Record<string, number>> | undefined = undefined;
  /** The last upstream failure, for the error of a request whose retries ran out. */
  lastError: string | undefined = undefined;
  deadlineAt = 0;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  deadlineArmed = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly path: string,
    /** performance.now() at arrival: durations are measured from here. */
    readonly startedAt: number,
    /** The (possibly rewritten) body, when the proxy read it; a retry can only resend this. */
    readonly body: Buffer | undefined,
    readonly facts: RequestFacts | undefined,
    /** False for untraced passthrough (info endpoints, the collector's API). */
    readonly traced: boolean,
  ) {
    this.method = req.method ?? 'POST';
    this.requestModel = facts?.model;
  }

  get stream(): boolean | undefined {
    return this.observer?.isEventStream ?? this.facts?.stream;
  }

  get usage(): Usage | undefined {
    return this.observer?.finish();
  }

  abstract onDeadline(): void;

  /** Gives back the in-flight slot on the current worker (once). */
  release(): void {
    if (!this.holdsSlot || this.worker === undefined) return;
    this.holdsSlot = false;
    this.worker.inFlight--;
  }
}
