import type { IncomingMessage, ServerResponse } from 'node:http';
import { packageVersion } from '#shared/version.js';
import { idleTimeoutRequest } from '../client/idle-timeout-request.js';
import type { Forwarder } from '../forward/forwarder.js';
import { passthrough } from '../forward/passthrough.js';
import type { Upstream } from '../forward/upstream.js';
import { sendError, sendJson } from '../http/send-error.js';
import type { ProxyMetrics } from '../metrics.js';
import { leastLoaded } from '../policies/policy.js';
import type { Backend } from '../workers/backend.js';

/** GETs that any healthy worker can answer (untraced). */
const WORKER_INFO_PATHS = new Set(['/v1/models', '/get_model_info', '/get_server_info', '/health_generate']);

/**
 * The collector's read API, forwarded untraced so `/v1/traces…` works on the proxy port (as
 * users of the seed's router expect): traces, stats, the live tail `/v1/traces/stream` and the
 * dashboard. Only GET and HEAD: ingest (`POST /v1/traces`) is served on the collector's own
 * port alone, so whoever reaches the proxy cannot write records (issue 14 item 2).
 */
export function isCollectorReadPath(path: string): boolean {
  return (
    path === '/v1/traces' || path.startsWith('/v1/traces/') ||
    path === '/traces' || path.startsWith('/traces/') ||
    path === '/dashboard' || path.startsWith('/dashboard/')
  );
}

function methodNotAllowed(res: ServerResponse, allow: string, message: string): void {
  res.setHeader('allow', allow);
  sendError(res, 'method_not_allowed', message);
}

export interface OwnRoutesDeps {
  upstream: Upstream;
  forwarder: Forwarder;
  metrics: ProxyMetrics;
  collectorUrl: string;
  startedMs: number;
}

/**
 * What the proxy answers itself or forwards untraced: its health and metrics, the worker list,
 * fan-outs to every worker, info GETs, and the collector's read API. Everything else is a
 * traced request.
 */
export class OwnRoutes {
  readonly #deps: OwnRoutesDeps;

  constructor(deps: OwnRoutesDeps) {
    this.#deps = deps;
  }

  /**
   * True when the request is handled here (answered now or by a promise of its own). Synchronous
   * on purpose: every traced request passes through it, and a promise per request is measurable.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    const upstream = this.#deps.upstream;
    if (isCollectorReadPath(path)) {
      if (!isRead) {
        methodNotAllowed(res, 'GET, HEAD', `${method} ${path} is not served on the proxy port: send records to the collector's own port`);
        return true;
      }
      return this.#collectorApi(req, res);
    }
    if (upstream.mode === 'gateway' && path === '/flush_cache') {
      // Destructive: only on POST (a crawler's or a browser's GET must not empty every cache).
      if (method !== 'POST') {
        methodNotAllowed(res, 'POST', "/flush_cache empties every worker's prefix cache: use POST");
        return true;
      }
      return this.#answerLater(res, this.#fanOut(upstream.workers, '/flush_cache', 'POST').then((results) => sendJson(res, results.every((result) => result.status === 200) ? 200 : 502, { workers: results })));
    }
    if (method === 'POST') return false;
    if ((path === '/health' || path === '/liveness') && isRead) return this.#health(res, path === '/liveness');
    if (method === 'GET' && path === '/metrics') return this.#answerLater(res, this.#metrics(res));
    if (method === 'GET' && path === '/list_workers') return this.#listWorkers(res);
    if (upstream.mode === 'gateway' && method === 'GET' && path === '/get_loads') {
      return this.#answerLater(res, this.#fanOut(upstream.workers, '/get_load', 'GET').then((workers) => sendJson(res, 200, { workers })));
    }
    return this.#toOneWorker(req, res, path, method);
  }

  /** The collector's read API (see isCollectorReadPath), forwarded untraced. */
  #collectorApi(req: IncomingMessage, res: ServerResponse): boolean {
    const collectorUrl = this.#deps.collectorUrl;
    passthrough(this.#deps.forwarder, req, res, collectorUrl, (error) => sendError(res, 'collector_unreachable', `collector at ${collectorUrl}: ${error.message}`));
    return true;
  }

  /**
   * `/health` is 503 when no worker is healthy, so a router in front (a sidecar's one worker
   * down) stops sending traffic that would fail; `/liveness` stays 200 while the process runs
   * (for a restart probe, which must not restart the proxy because a worker is down).
   */
  #health(res: ServerResponse, liveness: boolean): boolean {
    const workers = this.#workers();
    const healthy = workers.filter((worker) => worker.healthy).length;
    const serving = liveness || healthy > 0;
    sendJson(res, serving ? 200 : 503, {
      status: serving ? 'ok' : 'no_healthy_worker',
      version: packageVersion(),
      mode: this.#deps.upstream.mode,
      uptime_seconds: Math.round((Date.now() - this.#deps.startedMs) / 1000),
      healthy_workers: healthy,
      workers: workers.length,
    });
    return true;
  }

  async #metrics(res: ServerResponse): Promise<void> {
    const text = await this.#deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': this.#deps.metrics.registry.contentType });
    res.end(text);
  }

  #listWorkers(res: ServerResponse): boolean {
    const workers = this.#workers();
    sendJson(res, 200, {
      urls: workers.map((worker) => worker.url),
      workers: workers.map((worker) => ({
        node_id: worker.nodeId,
        url: worker.url,
        healthy: worker.healthy,
        in_flight: worker.inFlight,
        worker_load: worker.reportedLoad?.waiting ?? null,
      })),
    });
    return true;
  }

  /** Info GETs, and any other non-POST: one healthy worker (or the router) answers, untraced. */
  #toOneWorker(req: IncomingMessage, res: ServerResponse, path: string, method: string): boolean {
    const upstream = this.#deps.upstream;
    const target = upstream.mode === 'router' ? upstream.router : this.#healthyWorker(upstream.workers);
    if (target === undefined) {
      sendError(res, 'no_healthy_worker', 'no healthy worker to answer this request');
      return true;
    }
    if (WORKER_INFO_PATHS.has(path) || method === 'GET' || method === 'HEAD') {
      passthrough(this.#deps.forwarder, req, res, target.url, (error) => sendError(res, 'worker_unreachable', `${target.url}: ${error.message}`));
      return true;
    }
    return false;
  }

  /** An answer that needs I/O first: a failure becomes a 500 in the table's shape. */
  #answerLater(res: ServerResponse, answer: Promise<void>): boolean {
    answer.catch((error: unknown) => sendError(res, 'internal_error', `internal error in routetrace-proxy: ${error instanceof Error ? error.message : String(error)}`));
    return true;
  }

  #workers(): readonly Backend[] {
    const upstream = this.#deps.upstream;
    return upstream.mode === 'gateway' ? upstream.workers : [upstream.router];
  }

  #healthyWorker(workers: readonly Backend[]): Backend | undefined {
    const healthy = workers.filter((worker) => worker.healthy);
    return healthy.length > 0 ? leastLoaded(healthy).worker : undefined;
  }

  async #fanOut(workers: readonly Backend[], path: string, method: string): Promise<Array<{ node_id: string; url: string; status: number | null; body: unknown; error?: string }>> {
    return Promise.all(
      workers.map(async (worker) => {
        try {
          const { status, body } = await idleTimeoutRequest(`${worker.url}${path}`, { method, idleTimeoutMs: 5000 });
          let parsed: unknown = body;
          try {
            parsed = JSON.parse(body);
          } catch {
            // plain text (flush_cache answers text)
          }
          return { node_id: worker.nodeId, url: worker.url, status, body: parsed };
        } catch (error) {
          return { node_id: worker.nodeId, url: worker.url, status: null, body: null, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }
}
