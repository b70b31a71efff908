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

export interface OwnRoutesDeps {
  upstream: Upstream;
  forwarder: Forwarder;
  metrics: ProxyMetrics;
  collectorUrl: string;
  startedMs: number;
}

/**
 * What the proxy answers itself or forwards untraced: its health and metrics, the worker list,
 * fan-outs to every worker, info GETs, and the collector's trace API (so `/v1/traces…` works on
 * the proxy port, as users of the seed's router expect). Everything else is a traced request.
 */
export class OwnRoutes {
  readonly #deps: OwnRoutesDeps;

  constructor(deps: OwnRoutesDeps) {
    this.#deps = deps;
  }

  /** True when the request was handled here. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const method = req.method ?? 'GET';
    if (path === '/v1/traces' || path.startsWith('/v1/traces/') || path === '/traces' || path.startsWith('/traces/')) {
      this.#deps.forwarder.passthrough(req, res, this.#deps.collectorUrl, (error) =>
        sendError(res, 'collector_unreachable', `collector at ${this.#deps.collectorUrl}: ${error.message}`),
      );
      return true;
    }
    if (method === 'POST') return false;
    const upstream = this.#deps.upstream;
    if (path === '/health' && method === 'GET') {
      const workers = this.#workers();
      sendJson(res, 200, {
        status: 'ok',
        version: packageVersion(),
        mode: upstream.mode,
        uptime_seconds: Math.round((Date.now() - this.#deps.startedMs) / 1000),
        healthy_workers: workers.filter((worker) => worker.healthy).length,
        workers: workers.length,
      });
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
    if (upstream.mode === 'gateway' && path === '/flush_cache') {
      const results = await this.#fanOut(upstream.workers, '/flush_cache', 'POST');
      sendJson(res, results.every((result) => result.status === 200) ? 200 : 502, { workers: results });
      return true;
    }
    // Info GETs, and any other non-POST: one healthy worker (or the router) answers, untraced.
    const target = upstream.mode === 'router' ? upstream.router : this.#healthyWorker(upstream.workers);
    if (target === undefined) {
      sendError(res, 'no_healthy_worker', 'no healthy worker to answer this request');
      return true;
    }
    if (WORKER_INFO_PATHS.has(path) || method === 'GET' || method === 'HEAD') {
      this.#deps.forwarder.passthrough(req, res, target.url, (error) => sendError(res, 'worker_unreachable', `${target.url}: ${error.message}`));
      return true;
    }
    return false;
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
