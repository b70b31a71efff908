import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { errorStatus, type ErrorCode } from '#shared/errors.js';
import type { TraceStatus } from '#shared/record.js';
import { endStreamWithError, sendError } from '../http/send-error.js';
import { DeadlineList } from './deadlines.js';
import { CLIENT_BODY, forwardHeaders, REWRITTEN_BODY } from './hop-by-hop.js';
import { WorkerChooser } from './choose-worker.js';
import { takeIntake } from './intake.js';
import { classifyResponse, describeUpstreamError, errorCodeOf, mayRetry } from './outcome.js';
import { hasBody, limitedBody } from './read-body.js';
import { RecordSink } from './record-sink.js';
import { RequestContext } from './request-context.js';
import { RequestMetrics } from './request-metrics.js';
import { clientResponseHeaders } from './response-headers.js';
import { ResponseObserver } from './response-observer.js';
import type { RequestFacts } from './sglang-body.js';
import { MAX_ATTEMPTS, type ForwarderDeps, type ForwarderOptions } from './upstream.js';
import { UpstreamPools } from './upstream-pools.js';

const ignore = (): void => undefined;

/**
 * The hot path: one pass per request, top to bottom. Intake (id, body, rid) → choose a worker →
 * undici `dispatch` with the request context itself as the handler, writing the worker's bytes
 * straight into the client response → one outcome → one record. Per request: one context object
 * (fixed shape), two closures on `res`; no timer (one DeadlineList), no Map/Set entry.
 */
export class Forwarder {
  readonly deadlines: DeadlineList;
  readonly pools = new UpstreamPools();
  readonly metrics: RequestMetrics;
  readonly #chooser: WorkerChooser;
  readonly sink: RecordSink;

  constructor(
    readonly options: ForwarderOptions,
    readonly deps: ForwarderDeps,
  ) {
    this.deadlines = new DeadlineList(options.requestTimeoutMs);
    this.metrics = new RequestMetrics(deps.metrics);
    this.#chooser = new WorkerChooser(options.upstream, this.metrics);
    this.sink = new RecordSink(deps, this.metrics, options);
  }

  /** Forwards a request chosen by the policy (or to the router) and records it. */
  async forward(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const startedAt = performance.now();
    const options = this.options;
    const intake = await takeIntake(req, path, options);
    if (intake === undefined) return; // the client left mid-body: nothing was routed
    const { requestId, body } = intake;
    const ex = new Exchange(this, req, res, requestId, path, startedAt, body, intake.facts, true);
    if (intake.tooLarge) return ex.fail('payload_too_large', `body exceeds --max-payload-size (${options.maxPayloadBytes} bytes)`);
    ex.headers = forwardHeaders(req.headers, body === undefined ? CLIENT_BODY : REWRITTEN_BODY);
    ex.headers.push('x-request-id', requestId);
    if (body !== undefined) ex.headers.push('content-length', String(body.length));
    else if (hasBody(req)) ex.streamBody = Readable.from(limitedBody(req, options.maxPayloadBytes));
    res.on('close', () => ex.onClientClose()).on('error', ignore);
    this.deadlines.arm(ex, startedAt);
    this.dispatch(ex);
  }

  /** Chooses the worker of the next attempt and sends the request to it. */
  dispatch(ex: Exchange): void {
    const worker = this.#chooser.choose(ex);
    if ('code' in worker) return ex.fail(worker.code, worker.message);
    ex.attempts++;
    ex.worker = worker;
    ex.served = this.#chooser.served(worker);
    ex.sent = false;
    worker.inFlight++;
    ex.holdsSlot = true;
    this.pools.get(worker.url).dispatch({ path: ex.req.url ?? ex.path, method: ex.req.method ?? 'POST', headers: ex.headers, body: ex.body ?? ex.streamBody }, ex);
  }

  /** An attempt failed before any response byte: retry when the worker provably got nothing, else answer 502. */
  attemptFailed(ex: Exchange, error: Error): void {
    ex.release();
    if (errorCodeOf(error) === 'payload_too_large') return ex.fail('payload_too_large', error.message);
    const worker = ex.worker;
    const code = errorCodeOf(error);
    ex.lastError = describeUpstreamError(worker?.url ?? 'worker', error);
    if (code === 'ECONNREFUSED' && worker !== undefined && this.options.upstream.mode === 'gateway') this.deps.monitor?.setHealth(worker, false, 'connection refused');
    const replayable = ex.body !== undefined || ex.streamBody === undefined;
    if (mayRetry(code, ex.sent) && replayable && ex.attempts < MAX_ATTEMPTS && this.options.upstream.mode === 'gateway') {
      this.metrics.retry();
      this.deps.logger.debug({ request_id: ex.requestId, error: ex.lastError }, 'retrying on another worker');
      if (worker !== undefined) (ex.tried ??= []).push(worker);
      return this.dispatch(ex);
    }
    ex.fail('worker_unreachable', ex.lastError);
  }

  close(): Promise<void> {
    this.deadlines.close();
    return this.pools.close();
  }
}

/** undici's handler for one request: the worker's answer, written straight into the client's response. */
export class Exchange extends RequestContext implements Dispatcher.DispatchHandler {
  readonly fwd: Forwarder;
  /** Passthrough only: answers a failure before the response started. */
  onPassthroughError: ((error: Error) => void) | undefined = undefined;

  constructor(fwd: Forwarder, req: IncomingMessage, res: ServerResponse, requestId: string, path: string, startedAt: number, body: Buffer | undefined, facts: RequestFacts | undefined, traced: boolean) {
    super(req, res, requestId, path, startedAt, body, facts, traced);
    this.fwd = fwd;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort(new Error('request already answered'));
  }

  onRequestSent(): void {
    this.sent = true;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200 || this.done) return; // 1xx informational answers are the worker's hop only
    const ready = clientResponseHeaders(headers, this, this.fwd.options.upstream);
    if (this.traced) {
      const contentType = headers['content-type'];
      this.observer = new ResponseObserver(typeof contentType === 'string' ? contentType : undefined);
      // An event stream has no deadline once it has started (long generations are normal).
      if (this.observer.isEventStream) this.fwd.deadlines.disarm(this);
    }
    this.res.writeHead(status, ready);
    this.httpStatus = status; // only now: a head Node refuses (it throws) still gets the client a 502
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    this.firstByteAt ??= performance.now();
    this.observer?.push(chunk);
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.res.end();
    if (!this.traced) return;
    const outcome = classifyResponse(this.httpStatus ?? 0, this.observer?.finish()?.error);
    this.finish(outcome.status, outcome.error);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.done) return;
    if (this.httpStatus === undefined) {
      if (this.traced) return this.fwd.attemptFailed(this, error);
      this.done = true;
      return this.onPassthroughError?.(error);
    }
    // The worker's connection broke mid-response (or sent bytes undici cannot parse).
    const message = `${this.worker?.url ?? 'worker'} closed the connection mid-response`;
    if (this.traced) this.finish('failed', message);
    this.done = true;
    if (this.observer?.isEventStream === true) endStreamWithError(this.res, 'worker_unreachable', message);
    else this.res.destroy();
  }

  override onDeadline(): void {
    if (this.done) return;
    const message = `${this.worker?.url ?? 'worker'} did not answer within --request-timeout-secs (${this.fwd.options.requestTimeoutMs / 1000} s)`;
    if (!this.res.headersSent) this.fail('upstream_timeout', message);
    else {
      this.finish('timeout', message);
      this.res.destroy();
    }
    this.controller?.abort(new Error(message));
  }

  onClientClose(): void {
    if (this.done || this.res.writableFinished) return;
    if (this.traced) this.finish('cancelled', 'client closed the connection');
    this.done = true;
    this.controller?.abort(new Error('client closed the connection'));
  }

  /** Answers with an error from the shared table and records it. */
  fail(code: ErrorCode, message: string): void {
    this.httpStatus = errorStatus(code);
    this.finish(code === 'upstream_timeout' ? 'timeout' : 'failed', message);
    sendError(this.res, code, message, this.requestId);
  }

  finish(status: TraceStatus, error: string | undefined): void {
    if (this.done) return;
    this.done = true;
    this.fwd.deadlines.disarm(this);
    this.release();
    this.fwd.sink.finish(this, status, error);
  }
}
