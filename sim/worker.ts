import type { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withDefaults } from '#shared/defaults.js';
import { isRecord } from '#shared/guards.js';
import { SimConnections } from './connections.js';
import { SimEngine } from './engine.js';
import { applyFaults } from './faults.js';
import { SimGeneration } from './generation.js';
import { readBody, sendJson } from './http-io.js';
import { answerInfoRoute } from './info-routes.js';
import { SIM_DEFAULTS, type SimConfig, type SimFaultOptions, type SimOptions } from './options.js';
import { SimStatsRecorder, type SimEvents, type SimStats } from './worker-stats.js';

export type { SimEvents, SimRequestLog, SimStats } from './worker-stats.js';

export interface SimWorker {
  url: string;
  port: number;
  name: string;
  stats(): SimStats;
  /** Events to wait on in tests (see SimEvents). */
  events: EventEmitter<SimEvents>;
  setFaults(faults: SimFaultOptions): void;
  flushCache(): void;
  close(): Promise<void>;
}

export type SimWorkerOptions = SimOptions;

/** A simulated SGLang worker: a real HTTP server on `options.port` (0: a free one). */
export async function startSimWorker(overrides: SimWorkerOptions = {}): Promise<SimWorker> {
  // Fresh objects per worker: faults change at run time and must not leak between workers.
  const options: SimConfig = { ...withDefaults(SIM_DEFAULTS, overrides), faults: withDefaults(SIM_DEFAULTS.faults, overrides.faults ?? {}) };
  const engine = new SimEngine(options);
  const stats = new SimStatsRecorder();
  const connections = new SimConnections(() => stats.clientAborted());
  const generation = new SimGeneration(engine, options, stats, connections);
  const snapshot = (): SimStats => stats.snapshot(options.name, { running: engine.scheduler.running, waiting: engine.scheduler.waiting, cacheTokens: engine.cache.size });
  let port = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    stats.arrived(method, path, req.headers);
    const route = `${method} ${path}`;
    switch (route) {
      case 'POST /generate':
        return generation.handle('generate', req, res);
      case 'POST /v1/completions':
        return generation.handle('completions', req, res);
      case 'POST /v1/chat/completions':
        return generation.handle('chat', req, res);
      case 'GET /sim/stats':
        return sendJson(res, 200, snapshot());
      case 'POST /sim/faults': {
        const raw = await readBody(req);
        try {
          const parsed: unknown = JSON.parse(raw?.toString('utf8') ?? '');
          if (isRecord(parsed)) applyFaults(options.faults, parsed);
          return sendJson(res, 200, options.faults);
        } catch {
          return sendJson(res, 400, { error: { message: 'expected a JSON object of faults' } });
        }
      }
      default:
        if (!answerInfoRoute(route, res, engine, options, port)) sendJson(res, 404, { detail: 'Not Found' });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { message: error instanceof Error ? error.message : String(error) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    name: options.name,
    stats: snapshot,
    events: stats.events,
    setFaults: (faults) => applyFaults(options.faults, faults),
    flushCache: () => engine.cache.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        connections.destroyHung();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
