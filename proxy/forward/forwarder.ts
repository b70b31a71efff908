import { randomUUID } from 'node:crypto';
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import httpProxy from 'http-proxy';
import { errorBody, errorStatus, type ErrorCode } from '#shared/errors.js';
import type { Logger } from '#shared/log.js';
import { isValidRequestId, MAX_ERROR_LENGTH, type RoutingRecordInput, type TraceStatus } from '#shared/record.js';
import type { RecordExporter } from '../export/record-exporter.js';
import type { ProxyMetrics } from '../metrics.js';
import { decide, type RoutingPolicy } from '../policies/policy.js';
import { attributeFromHeaders } from '../attribution/worker-header.js';
import type { WorkerMonitor } from '../workers/worker-monitor.js';
import type { Worker } from '../workers/worker.js';
import { readBody } from './read-body.js';
import type { RequestContext } from './request-context.js';
import { generateRequestId, takeHeaderRequestId } from './request-id.js';
import { ResponseObserver } from './response-observer.js';
import { inspectBody, PARSED_PATHS, type RequestFacts } from './sglang-body.js';

/** Tries per request, the first included: a connection failure is retried at most twice. */
export const MAX_ATTEMPTS = 3;

/** Network errors that mean nothing reached the worker. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export type Upstream =
  | {
      mode: 'gateway';
      workers: readonly Worker[];
      policy: RoutingPolicy;
      /** The routing_policy recorded: --router-policy when given (a sidecar behind a router), else the policy's name. */
      policyLabel: string;
    }
  | {
      mode: 'router';
      router: Worker;
      /** The routing_policy recorded (the router's --policy). */
      policyLabel: string;
      /** Response headers that name the serving worker, in order of preference. */
      workerHeaders: readonly string[];
      /** Known workers: to name a worker from a header, and for --infer-worker round_robin. */
      knownWorkers: readonly Worker[];
      inferRoundRobin: boolean;
    };

export interface ForwarderOptions {
  upstream: Upstream;
  requestIdHeaders: readonly string[];
  injectRid: boolean;
  requestTimeoutMs: number;
  maxPayloadBytes: number;
  proxyId: string;
  /** The proxy's own URL: the worker_url of requests no worker was chosen for. */
  selfUrl: () => string;
}

export interface ForwarderDeps {
  agent: Agent;
  monitor: WorkerMonitor | undefined;
  exporter: RecordExporter | undefined;
  metrics: ProxyMetrics;
  logger: Logger;
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Node already answered `100 Continue` to the client. http-proxy emits no `proxyReq` for a
 * request that still carries Expect, which would silently turn off abort propagation.
 */
function dropExpect(req: IncomingMessage): void {
  delete req.headers.expect;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Forwards requests through http-proxy and turns each traced one into a routing record. The
 * response streams through untouched; the proxy only watches its bytes. Workarounds for
 * http-proxy 1.18 (see ../shared/reference/node-traps.md): keep-alive agent, an error callback
 * per call, upstream destroyed when the client leaves, a body read for routing re-sent through
 * `buffer` with a matching Content-Length, and a deadline of our own (its timeouts are idle
 * timeouts that surface as ECONNRESET).
 */
export class Forwarder {
  readonly #options: ForwarderOptions;
  readonly #deps: ForwarderDeps;
  readonly #proxy: httpProxy;
  readonly #contexts = new WeakMap<IncomingMessage, RequestContext>();
  #inferCounter = 0;

  constructor(options: ForwarderOptions, deps: ForwarderDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#proxy = httpProxy.createProxyServer({ agent: deps.agent, changeOrigin: true });
    // Every web() call passes its own error callback; this listener only keeps an unexpected
    // error from crashing the process.
    this.#proxy.on('error', (error) => deps.logger.error({ err: error }, 'unhandled proxy error'));
    this.#proxy.on('proxyReq', (proxyReq, req, res) => this.#onProxyReq(proxyReq, req, res));
    this.#proxy.on('proxyRes', (proxyRes, req, res) => this.#onProxyRes(proxyRes, req, res));
  }

  /** Forwards without a record (info endpoints, the collector's API); `onError` answers failures. */
  passthrough(req: IncomingMessage, res: ServerResponse, target: string, onError: (error: Error) => void): void {
    dropExpect(req);
    this.#proxy.web(req, res, { target }, (error) => onError(error));
  }

  /** Forwards a request chosen by the policy (or to the router) and records it. */
  async forward(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const startedAt = performance.now();
    const timestamp = Date.now();
    const method = req.method ?? 'POST';
    const headerId = takeHeaderRequestId(req.headers, this.#options.requestIdHeaders);

    let body: Buffer | undefined;
    let facts: RequestFacts | undefined;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > this.#options.maxPayloadBytes;
    if (!tooLarge && method === 'POST' && PARSED_PATHS.has(path)) {
      const read = await readBody(req, this.#options.maxPayloadBytes);
      if (read.ok) {
        body = read.body;
        ({ body, facts } = this.#prepareBody(path, body, headerId));
      } else if (read.reason === 'too_large') tooLarge = true;
      else return; // the client left while sending its body: nothing was routed
    }

    const requestId = headerId ?? (facts?.rid !== undefined && isValidRequestId(facts.rid) ? facts.rid : undefined) ?? generateRequestId(path);
    const ctx: RequestContext = {
      requestId, method, path, timestamp, startedAt, body, facts, tried: [], active: undefined, proxyReq: undefined,
      observer: undefined, queueSize: undefined, prefixMatchRate: undefined, firstByteAt: undefined,
      httpStatus: undefined, attributed: undefined, deadline: undefined, lastError: undefined, outcome: undefined,
    };
    res.setHeader('x-request-id', requestId);
    if (tooLarge) return this.#respondError(ctx, res, 'payload_too_large', `body exceeds --max-payload-size (${this.#options.maxPayloadBytes} bytes)`);

    req.headers['x-request-id'] = requestId;
    dropExpect(req);
    if (body !== undefined) {
      req.headers['content-length'] = String(body.length);
      delete req.headers['transfer-encoding'];
      // Identity responses, so usage can be read from them; the client still gets what the worker sends.
      delete req.headers['accept-encoding'];
    }
    this.#contexts.set(req, ctx);
    res.on('close', () => {
      // The client went away. #onProxyReq aborts the upstream request; this records it.
      if (!res.writableFinished) this.#finish(ctx, 'cancelled', 'client closed the connection');
    });
    ctx.deadline = setTimeout(() => this.#onDeadline(ctx, res), this.#options.requestTimeoutMs);
    this.#dispatch(ctx, req, res);
  }

  close(): void {
    this.#proxy.close();
  }

  /** Parses a JSON body for routing facts and injects `rid` (= the request id) when it has none. */
  #prepareBody(path: string, raw: Buffer, headerId: string | undefined): { body: Buffer; facts: RequestFacts | undefined } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return { body: raw, facts: undefined }; // not JSON: forwarded as is; the worker decides
    }
    const facts = inspectBody(path, parsed);
    if (facts === undefined || !facts.canInjectRid || !this.#options.injectRid || typeof parsed !== 'object' || parsed === null) {
      return { body: raw, facts };
    }
    const rid = headerId ?? generateRequestId(path);
    facts.rid = rid;
    return { body: Buffer.from(JSON.stringify({ ...parsed, rid })), facts };
  }

  #dispatch(ctx: RequestContext, req: IncomingMessage, res: ServerResponse): void {
    const upstream = this.#options.upstream;
    let worker: Worker;
    let prefixMatchRate: number | undefined;
    if (upstream.mode === 'router') {
      worker = upstream.router;
      if (upstream.inferRoundRobin && upstream.knownWorkers.length > 0) {
        const inferred = upstream.knownWorkers[this.#inferCounter++ % upstream.knownWorkers.length];
        if (inferred !== undefined) ctx.attributed = { nodeId: inferred.nodeId, url: inferred.url, attribution: 'inferred' };
      }
    } else {
      const candidates = upstream.workers.filter((worker) => worker.healthy && !ctx.tried.includes(worker));
      if (candidates.length === 0) {
        if (ctx.tried.length === 0) return this.#respondError(ctx, res, 'no_healthy_worker', `none of the ${upstream.workers.length} workers is healthy`);
        return this.#respondError(ctx, res, 'worker_unreachable', ctx.lastError ?? 'no other healthy worker to retry on');
      }
      const decision = decide(upstream.policy, candidates, ctx.facts?.promptText ?? '', ctx.tried.length > 0);
      this.#deps.metrics.decisions.inc({ policy: upstream.policy.name, decision: decision.decision });
      ({ decision: ctx.decision, candidateLoads: ctx.candidateLoads } = decision);
      worker = decision.worker;
      prefixMatchRate = decision.prefixMatchRate;
    }
    ctx.tried.push(worker);
    ctx.active = worker;
    ctx.queueSize = worker.inFlight;
    ctx.prefixMatchRate = prefixMatchRate;
    ctx.proxyReq = undefined;
    worker.inFlight++;
    const buffer = ctx.body === undefined ? undefined : Readable.from([ctx.body]);
    this.#proxy.web(req, res, { target: worker.url, buffer }, (error) => this.#onUpstreamError(ctx, req, res, error));
  }

  #onProxyReq(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse): void {
    // Also for untraced passthrough: a client that leaves aborts the upstream request.
    res.once('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
    const ctx = this.#contexts.get(req);
    if (ctx !== undefined) ctx.proxyReq = proxyReq;
  }

  #onProxyRes(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const ctx = this.#contexts.get(req);
    if (ctx === undefined || ctx.outcome !== undefined) return;
    ctx.httpStatus = proxyRes.statusCode;
    const observer = new ResponseObserver(proxyRes.headers['content-type']);
    ctx.observer = observer;
    // Headers set here are copied to the client by http-proxy after this event.
    const upstream = this.#options.upstream;
    if (upstream.mode === 'router') ctx.attributed = attributeFromHeaders(proxyRes.headers, upstream.workerHeaders, upstream.knownWorkers, upstream.router.url) ?? ctx.attributed;
    const served = ctx.attributed ?? ctx.active;
    proxyRes.headers['x-request-id'] = ctx.requestId;
    if (served !== undefined) {
      proxyRes.headers['x-sglang-worker'] = served.url;
      proxyRes.headers['x-sglang-worker-id'] = served.nodeId;
    }
    // An event stream has no deadline once it has started (long generations are normal).
    if (observer.isEventStream) clearTimeout(ctx.deadline);
    proxyRes.on('data', (chunk: Buffer) => {
      ctx.firstByteAt ??= performance.now();
      observer.push(chunk);
    });
    proxyRes.once('close', () => {
      if (!proxyRes.complete) this.#onUpstreamBroken(ctx, res);
    });
    res.once('finish', () => this.#onResponseDone(ctx));
  }

  /**
   * A 5xx, or an error event inside a 200 stream, is `failed`: the worker could not serve it.
   * A 4xx is `completed` (the worker served a bad request) with the worker's message as error.
   */
  #onResponseDone(ctx: RequestContext): void {
    if (ctx.outcome !== undefined) return;
    const status = ctx.httpStatus ?? 0;
    const said = ctx.observer?.finish()?.error;
    if (status >= 400) this.#finish(ctx, status >= 500 ? 'failed' : 'completed', `worker answered ${status}${said === undefined ? '' : `: ${said}`}`);
    else if (said !== undefined) this.#finish(ctx, 'failed', `worker sent an error: ${said}`);
    else this.#finish(ctx, 'completed', undefined);
  }

  /** The worker's connection ended before its response did. */
  #onUpstreamBroken(ctx: RequestContext, res: ServerResponse): void {
    if (ctx.outcome !== undefined) return;
    const message = `${ctx.active?.url ?? 'worker'} closed the connection mid-response`;
    this.#finish(ctx, 'failed', message);
    if (ctx.observer?.isEventStream === true && !res.writableEnded) {
      // The client sees the stream end with an error event, as SGLang sends errors in-stream.
      res.end(`data: ${JSON.stringify({ error: { message, code: 'worker_unreachable' } })}\n\n`);
    } else res.destroy();
  }

  #onUpstreamError(ctx: RequestContext, req: IncomingMessage, res: ServerResponse, error: Error): void {
    if (ctx.outcome !== undefined) return;
    const worker = ctx.active;
    this.#release(ctx);
    const code = errorCode(error);
    ctx.lastError = `${worker?.url ?? 'worker'}: ${errorMessage(error)}${code !== '' && !errorMessage(error).includes(code) ? ` (${code})` : ''}`;
    if (code === 'ECONNREFUSED' && worker !== undefined) this.#deps.monitor?.setHealth(worker, false, 'connection refused');

    // Retry only when nothing can have reached the worker: refused, or reset on a reused
    // keep-alive socket the worker had just closed; and only with a body we can send again.
    const nothingReceived = ctx.httpStatus === undefined && !res.headersSent;
    const connectFailure = CONNECT_ERRORS.has(code) || (code === 'ECONNRESET' && ctx.proxyReq?.reusedSocket === true);
    const replayable = ctx.body !== undefined;
    if (nothingReceived && connectFailure && replayable && ctx.tried.length < MAX_ATTEMPTS && this.#options.upstream.mode === 'gateway') {
      this.#deps.metrics.retries.inc();
      this.#deps.logger.debug({ request_id: ctx.requestId, error: ctx.lastError }, 'retrying on another worker');
      return this.#dispatch(ctx, req, res);
    }
    if (!res.headersSent) return this.#respondError(ctx, res, 'worker_unreachable', ctx.lastError);
    this.#finish(ctx, 'failed', ctx.lastError);
    res.destroy();
  }

  #onDeadline(ctx: RequestContext, res: ServerResponse): void {
    if (ctx.outcome !== undefined) return;
    const message = `${ctx.active?.url ?? 'worker'} did not answer within --request-timeout-secs (${this.#options.requestTimeoutMs / 1000} s)`;
    if (!res.headersSent) this.#respondError(ctx, res, 'upstream_timeout', message);
    else {
      this.#finish(ctx, 'timeout', message);
      res.destroy();
    }
    ctx.proxyReq?.destroy();
  }

  /** Answers with an error from the shared table and records it. */
  #respondError(ctx: RequestContext, res: ServerResponse, code: ErrorCode, message: string): void {
    ctx.httpStatus = errorStatus(code);
    this.#finish(ctx, code === 'upstream_timeout' ? 'timeout' : 'failed', message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const text = JSON.stringify(errorBody(code, message));
    res.writeHead(ctx.httpStatus, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': ctx.requestId });
    res.end(text);
  }

  #release(ctx: RequestContext): void {
    if (ctx.active === undefined) return;
    ctx.active.inFlight--;
    ctx.active = undefined;
  }

  /** Decides the outcome once and queues the record; later calls do nothing. */
  #finish(ctx: RequestContext, status: TraceStatus, error: string | undefined): void {
    if (ctx.outcome !== undefined) return;
    ctx.outcome = { status, error };
    clearTimeout(ctx.deadline);
    const worker = ctx.tried.at(-1);
    this.#release(ctx);
    const nodeId = ctx.attributed?.nodeId ?? worker?.nodeId ?? 'none';
    this.#deps.metrics.requests.inc({ node_id: nodeId, status });
    if (this.#deps.logger.isLevelEnabled('debug')) {
      this.#deps.logger.debug({ request_id: ctx.requestId, node_id: nodeId, status, http_status: ctx.httpStatus, error }, 'request done');
    }
    const exporter = this.#deps.exporter;
    if (exporter === undefined) return;
    try {
      exporter.enqueue(this.#record(ctx, status, error, worker));
    } catch (failure) {
      // Tracing never breaks serving: a record that cannot be built is logged, not thrown
      // into http-proxy's event handlers.
      this.#deps.logger.error({ err: failure, request_id: ctx.requestId }, 'could not build a routing record');
    }
  }

  #record(ctx: RequestContext, status: TraceStatus, error: string | undefined, worker: Worker | undefined): RoutingRecordInput {
    const upstream = this.#options.upstream;
    const usage = ctx.observer?.finish();
    const cached = usage?.cachedTokens;
    const prompt = usage?.promptTokens;
    const served =
      ctx.attributed ??
      (worker === undefined ? undefined : { nodeId: upstream.mode === 'router' ? 'router' : worker.nodeId, url: worker.url, attribution: upstream.mode === 'router' ? ('router' as const) : ('proxy' as const) });
    return {
      record_id: randomUUID(),
      request_id: ctx.requestId,
      node_id: served?.nodeId ?? 'none',
      worker_url: served?.url ?? this.#options.selfUrl(),
      routing_policy: upstream.policyLabel,
      status,
      timestamp: ctx.timestamp,
      duration_ms: round(performance.now() - ctx.startedAt),
      ttft_ms: ctx.firstByteAt === undefined ? undefined : round(ctx.firstByteAt - ctx.startedAt),
      http_status: ctx.httpStatus,
      stream: ctx.observer?.isEventStream ?? ctx.facts?.stream,
      method: ctx.method,
      path: ctx.path.slice(0, 2048),
      model: (usage?.model ?? ctx.facts?.model)?.slice(0, 256),
      prompt_tokens: prompt,
      completion_tokens: usage?.completionTokens,
      cached_tokens: cached,
      cache_hit: cached === undefined ? undefined : cached > 0,
      cache_hit_rate: cached !== undefined && prompt !== undefined && prompt > 0 ? Math.min(1, cached / prompt) : undefined,
      // Known only for the worker this proxy chose; in front of a router the worker's queue is the router's business.
      queue_size: upstream.mode === 'gateway' ? ctx.queueSize : undefined,
      worker_load: upstream.mode === 'gateway' ? worker?.reportedLoad?.waiting : undefined,
      prefix_match_rate: ctx.prefixMatchRate,
      attempts: ctx.attributed?.attempts ?? (ctx.tried.length > 0 ? ctx.tried.length : undefined),
      error: error?.slice(0, MAX_ERROR_LENGTH),
      proxy_id: this.#options.proxyId,
      attribution: served?.attribution ?? 'proxy',
      dp_rank: ctx.attributed?.dpRank,
      decision: ctx.decision,
      candidate_loads: ctx.candidateLoads,
    };
  }
}
