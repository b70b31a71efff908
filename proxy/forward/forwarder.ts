import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { errorStatus, type ErrorCode } from '#shared/errors.js';
import { isValidRequestId, type TraceStatus } from '#shared/record.js';
import { attributeFromHeaders } from '../attribution/worker-header.js';
import { sendError } from '../http/send-error.js';
import type { Worker } from '../workers/worker.js';
import { DeadlineList } from './deadlines.js';
import { forwardRequestHeaders, stripResponseHopByHop } from './hop-by-hop.js';
import { generateRequestId, uuidV7 } from './ids.js';
import { classifyResponse, describeUpstreamError, errorCodeOf, mayRetry } from './outcome.js';
import { prepareBody } from './prepare-body.js';
import { declaredLength, hasBody, limitedBody, readBody } from './read-body.js';
import { buildRecord, type Served } from './record-builder.js';
import { RequestContext } from './request-context.js';
import { takeHeaderRequestId } from './request-id.js';
import { RequestMetrics } from './request-metrics.js';
import { ResponseObserver } from './response-observer.js';
import { PARSED_PATHS, type RequestFacts } from './sglang-body.js';
import { MAX_ATTEMPTS, type ForwarderDeps, type ForwarderOptions } from './upstream.js';
import { UpstreamPools } from './upstream-pools.js';

const REWRITTEN_BODY: Readonly<Record<string, true>> = { 'x-request-id': true, 'content-length': true, 'accept-encoding': true };
const CLIENT_BODY: Readonly<Record<string, true>> = { 'x-request-id': true };
const NOTHING: Readonly<Record<string, true>> = {};
const ignore = (): void => undefined;

/**
 * The hot path: one pass per request, top to bottom. Intake (id, body, rid) → choose a worker →
 * undici `dispatch` with the request context itself as the handler, writing the worker's bytes
 * straight into the client response → one outcome → one record. Per request: one context object
 * (fixed shape), two closures on `res`; no timer (one DeadlineList), no Map/Set entry.
 */
export class Forwarder {
  readonly options: ForwarderOptions;
  readonly deps: ForwarderDeps;
  readonly deadlines: DeadlineList;
  readonly pools = new UpstreamPools();
  readonly metrics: RequestMetrics;
  readonly #served = new Map<Worker, Served>();
  #inferCounter = 0;

  constructor(options: ForwarderOptions, deps: ForwarderDeps) {
    this.options = options;
    this.deps = deps;
    this.deadlines = new DeadlineList(options.requestTimeoutMs);
    this.metrics = new RequestMetrics(deps.metrics);
    const up = options.upstream;
    const router = up.mode === 'router';
    for (const worker of router ? [up.router] : up.workers) this.#served.set(worker, { nodeId: router ? 'router' : worker.nodeId, url: worker.url, attribution: router ? 'router' : 'proxy' });
  }

  /** Forwards a request chosen by the policy (or to the router) and records it. */
  async forward(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const startedAt = performance.now();
    const options = this.options;
    const headerId = takeHeaderRequestId(req.headers, options.requestIdHeaders);
    let body: Buffer | undefined;
    let facts: RequestFacts | undefined;
    let tooLarge = declaredLength(req) > options.maxPayloadBytes;
    if (!tooLarge && req.method === 'POST' && PARSED_PATHS.has(path)) {
      const read = await readBody(req, options.maxPayloadBytes);
      if (!read.ok && read.reason === 'aborted') return; // the client left mid-body: nothing was routed
      if (read.ok) ({ body, facts } = prepareBody(path, read.body, options.injectRid ? (headerId ?? generateRequestId(path)) : undefined));
      else tooLarge = true;
    }
    const rid = facts?.rid;
    const requestId = headerId ?? (rid !== undefined && isValidRequestId(rid) ? rid : generateRequestId(path));
    const ex = new Exchange(this, req, res, requestId, path, startedAt, body, facts, true);
    if (tooLarge) return ex.fail('payload_too_large', `body exceeds --max-payload-size (${options.maxPayloadBytes} bytes)`);
    ex.headers = forwardRequestHeaders(req.headers, body === undefined ? CLIENT_BODY : REWRITTEN_BODY);
    ex.headers.push('x-request-id', requestId);
    if (body !== undefined) ex.headers.push('content-length', String(body.length));
    else if (hasBody(req)) ex.streamBody = Readable.from(limitedBody(req, options.maxPayloadBytes));
    res.on('close', () => ex.onClientClose());
    res.on('error', ignore);
    this.deadlines.arm(ex, startedAt);
    this.dispatch(ex);
  }

  /** Forwards without a record or deadline (info endpoints, the collector's API); `onError` answers failures. */
  passthrough(req: IncomingMessage, res: ServerResponse, target: string, onError: (error: Error) => void): void {
    const ex = new Exchange(this, req, res, '', req.url ?? '/', performance.now(), undefined, undefined, false);
    ex.onPassthroughError = onError;
    ex.headers = forwardRequestHeaders(req.headers, NOTHING);
    if (hasBody(req)) ex.streamBody = Readable.from(limitedBody(req, this.options.maxPayloadBytes));
    res.on('close', () => ex.onClientClose());
    res.on('error', ignore);
    this.pools.get(target).dispatch({ path: req.url ?? '/', method: req.method ?? 'GET', headers: ex.headers, body: ex.streamBody }, ex);
  }

  /** Chooses the worker of the next attempt and sends the request to it. */
  dispatch(ex: Exchange): void {
    const up = this.options.upstream;
    let worker: Worker;
    if (up.mode === 'router') {
      worker = up.router;
      const known = up.knownWorkers;
      if (up.inferRoundRobin && known.length > 0) {
        const inferred = known[this.#inferCounter++ % known.length];
        if (inferred !== undefined) ex.attributed = { nodeId: inferred.nodeId, url: inferred.url, attribution: 'inferred' };
      }
    } else {
      const tried = ex.tried;
      const candidates = up.workers.filter((each) => each.healthy && (tried === undefined || !tried.includes(each)));
      if (candidates.length === 0) {
        if (ex.attempts === 0) return ex.fail('no_healthy_worker', `none of the ${up.workers.length} workers is healthy`);
        return ex.fail('worker_unreachable', ex.lastError ?? 'no other healthy worker to retry on');
      }
      const decision = up.policy.select(candidates, ex.facts?.promptText ?? '');
      this.metrics.decision(up.policy.name, decision.reason);
      worker = decision.worker;
      ex.prefixMatchRate = decision.prefixMatchRate;
      ex.decision = decision.decision;
      ex.candidateLoads = decision.candidateLoads;
      ex.queueSize = worker.inFlight;
      ex.workerLoad = worker.reportedLoad?.waiting;
    }
    ex.attempts++;
    ex.worker = worker;
    ex.served = this.#served.get(worker);
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

  /** Decides the outcome once: metrics, debug log, and the record queued for the collector. */
  finish(ex: Exchange, status: TraceStatus, error: string | undefined): void {
    const served = ex.attributed ?? ex.served;
    this.metrics.request(served?.nodeId ?? 'none', status);
    const logger = this.deps.logger;
    if (logger.isLevelEnabled('debug')) logger.debug({ request_id: ex.requestId, node_id: served?.nodeId, status, http_status: ex.httpStatus, error }, 'request done');
    const exporter = this.deps.exporter;
    if (exporter === undefined) return;
    try {
      const up = this.options.upstream;
      exporter.enqueue(buildRecord(ex, { status, error }, { routingPolicy: up.policyLabel, proxyId: this.options.proxyId, selfUrl: this.options.selfUrl() }, uuidV7(), performance.now()));
    } catch (failure) {
      // Tracing never breaks serving: a record that cannot be built is logged, not thrown.
      logger.error({ err: failure, request_id: ex.requestId }, 'could not build a routing record');
    }
  }

  close(): Promise<void> {
    this.deadlines.close();
    return this.pools.close();
  }
}

/** undici's handler for one request: the worker's answer, written straight into the client's response. */
class Exchange extends RequestContext implements Dispatcher.DispatchHandler {
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
    this.httpStatus = status;
    stripResponseHopByHop(headers);
    if (this.traced) {
      const up = this.fwd.options.upstream;
      if (up.mode === 'router') this.attributed = attributeFromHeaders(headers, up.workerHeaders, up.knownWorkers, up.router.url) ?? this.attributed;
      const contentType = headers['content-type'];
      this.observer = new ResponseObserver(typeof contentType === 'string' ? contentType : undefined);
      // An event stream has no deadline once it has started (long generations are normal).
      if (this.observer.isEventStream) this.fwd.deadlines.disarm(this);
      const shown = this.attributed ?? this.worker;
      headers['x-request-id'] = this.requestId;
      if (shown !== undefined) {
        headers['x-sglang-worker'] = shown.url;
        headers['x-sglang-worker-id'] = shown.nodeId;
      }
    }
    this.res.writeHead(status, headers);
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
    const res = this.res;
    if (this.observer?.isEventStream === true && !res.writableEnded && !res.destroyed) {
      // The client sees the stream end with an error event, as SGLang sends errors in-stream.
      res.end(`data: ${JSON.stringify({ error: { message, code: 'worker_unreachable' } })}\n\n`);
    } else res.destroy();
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
    this.fwd.finish(this, status, error);
  }
}
