import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, type ErrorCode, errorStatus } from '#shared/errors.js';
import { packageVersion } from '#shared/version.js';
import type { Forwarder, Upstream } from '../forward/forwarder.js';
import { simpleRequest } from '../http/simple-request.js';
import type { ProxyMetrics } from '../metrics.js';
import { leastLoaded } from '../policies/policy.js';
import type { Worker } from '../workers/worker.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, errorStatus(code), errorBody(code, message));
}

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

export interface OwnRoutesDeps {
  upstream: Upstream;
  forwarder: Forwarder;
  metrics: ProxyMetrics;
  collectorUrl: string;
  startedMs: number;
}

function methodNotAllowed(res: ServerResponse, allow: string, message: string): void {
  res.setHeader('allow', allow);
  sendError(res, 'method_not_allowed', message);
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

  /** True when the request was handled here. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    const upstream = this.#deps.upstream;
    if (isCollectorReadPath(path)) {
      if (!isRead) {
        methodNotAllowed(res, 'GET, HEAD', `${method} ${path} is not served on the proxy port: send records to the collector's own port`);
        return true;
      }
      this.#deps.forwarder.passthrough(req, res, this.#deps.collectorUrl, (error) =>
        sendError(res, 'collector_unreachable', `collector at ${this.#deps.collectorUrl}: ${error.message}`),
      );
      return true;
    }
    if (path === '/flush_cache' && upstream.mode === 'gateway') {
      // Destructive: only on POST (a crawler's or a browser's GET must not empty every cache).
      if (method !== 'POST') {
        methodNotAllowed(res, 'POST', '/flush_cache empties every worker\'s prefix cache: use POST');
        return true;
      }
      const results = await this.#fanOut(upstream.workers, '/flush_cache', 'POST');
      sendJson(res, results.every((result) => result.status === 200) ? 200 : 502, { workers: results });
      return true;
    }
    if (method === 'POST') return false;
    if ((path === '/health' || path === '/liveness') && isRead) {
      this.#health(res, path === '/liveness');
      return true;
    }
    if (path === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'content-type': this.#deps.metrics.registry.contentType });
      res.end(await this.#deps.metrics.registry.metrics());
      return true;
    }
    if (path === '/list_workers' && method === 'GET') {
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
    if (upstream.mode === 'gateway' && path === '/get_loads' && method === 'GET') {
      sendJson(res, 200, { workers: await this.#fanOut(upstream.workers, '/get_load', 'GET') });
      return true;
    }
    // Info GETs, and any other non-POST: one healthy worker (or the router) answers, untraced.
    const target = upstream.mode === 'router' ? upstream.router : this.#healthyWorker(upstream.workers);
    if (target === undefined) {
      sendError(res, 'no_healthy_worker', 'no healthy worker to answer this request');
      return true;
    }
    if (WORKER_INFO_PATHS.has(path) || isRead) {
      this.#deps.forwarder.passthrough(req, res, target.url, (error) => sendError(res, 'worker_unreachable', `${target.url}: ${error.message}`));
      return true;
    }
    return false;
  }

  /**
   * `/health` is 503 when no worker is healthy, so a router in front (a sidecar's one worker
   * down) stops sending traffic that would fail; `/liveness` stays 200 while the process runs
   * (for a restart probe, which must not restart the proxy because a worker is down).
   */
  #health(res: ServerResponse, liveness: boolean): void {
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
  }

  #workers(): readonly Worker[] {
    const upstream = this.#deps.upstream;
    return upstream.mode === 'gateway' ? upstream.workers : [upstream.router];
  }

  #healthyWorker(workers: readonly Worker[]): Worker | undefined {
    const healthy = workers.filter((worker) => worker.healthy);
    return healthy.length > 0 ? leastLoaded(healthy).worker : undefined;
  }

  async #fanOut(workers: readonly Worker[], path: string, method: string): Promise<Array<{ node_id: string; url: string; status: number | null; body: unknown; error?: string }>> {
    return Promise.all(
      workers.map(async (worker) => {
        try {
          const { status, body } = await simpleRequest(`${worker.url}${path}`, { method, timeoutMs: 5000 });
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
