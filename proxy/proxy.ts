import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { withDefaults } from '#shared/defaults.js';
import { listen, localUrl } from '#shared/listen.js';
import { silentLogger, type Logger } from '#shared/log.js';
import { BatchSender } from './export/batch-sender.js';
import { RecordExporter, type ExporterOptions } from './export/record-exporter.js';
import { Forwarder } from './forward/forwarder.js';
import { DEFAULT_REQUEST_ID_HEADERS } from './forward/request-id.js';
import { ProxyMetrics } from './metrics.js';
import { serveRequests } from './http/serve-requests.js';
import type { CacheAwareOptions } from './policies/cache-aware.js';
import type { PolicyName } from './policies/policy.js';
import { OwnRoutes } from './routes/own-routes.js';
import { buildUpstream } from './upstream-config.js';
import { WorkerMonitor } from './workers/worker-monitor.js';
import type { Backend } from './workers/backend.js';

export interface ProxyOptions {
  /** Default: 127.0.0.1. */
  host?: string;
  /** Default: 30009; 0 picks a free port. */
  port?: number;
  /** Gateway mode: the workers, as `URL` or `name=URL`. */
  workerUrls?: string[];
  /** Gateway mode. Default: cache_aware. */
  policy?: PolicyName;
  /** cache_aware settings; defaults in CACHE_AWARE_DEFAULTS. */
  cacheAware?: Partial<CacheAwareOptions>;
  /** Front-of-router mode: every request goes to this router. */
  routerUrl?: string;
  /**
   * The routing_policy recorded, for policies routetrace does not apply itself: the router's
   * (front-of-router mode, default cache_aware) or, with one worker as a sidecar, the policy of
   * the router in front. Default in gateway mode: the --policy name.
   */
  routerPolicy?: string;
  /** Front-of-router mode: a response header naming the worker, read before x-smg-routed-worker-id and x-sglang-worker. Default: none. */
  workerHeader?: string;
  /** Front-of-router mode with workerUrls: estimate the worker as a request counter modulo the worker count. */
  inferWorker?: 'round_robin';
  /** Default: http://127.0.0.1:30010. */
  collectorUrl?: string;
  /** Sent to the collector only. Default: none. */
  ingestToken?: string;
  /** Default: x-request-id x-correlation-id x-trace-id request-id. */
  requestIdHeaders?: string[];
  /** Default: 1800. */
  requestTimeoutSecs?: number;
  /** Default: 256 MiB. */
  maxPayloadSize?: number;
  /** Default: 10. */
  healthCheckIntervalSecs?: number;
  /** Default: 5 (0: never). */
  loadCheckIntervalSecs?: number;
  /** Default: `<hostname>:<port>`. */
  proxyId?: string;
  /** Put the request id into the body's `rid` when it has none. Default: true. */
  injectRid?: boolean;
  /** Record and export routing records. Default: true. */
  tracing?: boolean;
  exporter?: ExporterOptions;
  /** Seconds SIGTERM waits for in-flight requests. Default: 30. */
  shutdownGraceSecs?: number;
  logger?: Logger;
}

export const PROXY_DEFAULTS = {
  host: '127.0.0.1',
  port: 30009,
  policy: 'cache_aware' as PolicyName,
  collectorUrl: 'http://127.0.0.1:30010',
  requestIdHeaders: [...DEFAULT_REQUEST_ID_HEADERS] as string[],
  requestTimeoutSecs: 1800,
  maxPayloadSize: 256 * 1024 * 1024,
  healthCheckIntervalSecs: 10,
  loadCheckIntervalSecs: 5,
  injectRid: true,
  tracing: true,
  shutdownGraceSecs: 30,
};

export interface RunningProxy {
  url: string;
  port: number;
  /** Gateway mode: the workers; front-of-router mode: the router. */
  workers: readonly Backend[];
  exporter: RecordExporter | undefined;
  monitor: WorkerMonitor;
  metrics: ProxyMetrics;
  /** Open sockets: client connections, and upstream sockets in use or idle in the keep-alive pool. */
  sockets(): Promise<{ clientConnections: number; upstreamActive: number; upstreamIdle: number }>;
  /** Stops accepting, waits for in-flight requests (up to the grace period), flushes records. */
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const config = withDefaults(PROXY_DEFAULTS, options);
  const logger = options.logger ?? silentLogger();
  const startedMs = Date.now();
  const upstream = buildUpstream(config);
  const workers = upstream.mode === 'gateway' ? upstream.workers : [upstream.router];

  let url = '';
  let exporter: RecordExporter | undefined;
  const metrics = new ProxyMetrics(workers, () => exporter);
  const monitor = new WorkerMonitor(workers, { healthCheckIntervalSecs: config.healthCheckIntervalSecs, loadCheckIntervalSecs: upstream.mode === 'gateway' ? config.loadCheckIntervalSecs : 0 }, logger);

  const server = createServer();
  const { port } = await listen(server, config.port, config.host);
  url = localUrl(config.host, port);
  const proxyId = config.proxyId ?? `${hostname()}:${port}`;

  if (config.tracing) {
    const client = new BatchSender({ baseUrl: config.collectorUrl, ingestToken: config.ingestToken });
    exporter = new RecordExporter(client, proxyId, logger, config.exporter, {
      onSent: (count) => metrics.recordsSent.inc(count),
      onDropped: (count) => metrics.recordsDropped.inc(count),
      onFailed: (count) => metrics.recordsFailed.inc(count),
    });
  }
  const forwarder = new Forwarder(
    {
      upstream,
      requestIdHeaders: config.requestIdHeaders.map((name) => name.toLowerCase()),
      injectRid: config.injectRid,
      requestTimeoutMs: config.requestTimeoutSecs * 1000,
      maxPayloadBytes: config.maxPayloadSize,
      proxyId,
      selfUrl: () => url,
    },
    { monitor, exporter, metrics, logger },
  );
  const routes = new OwnRoutes({ upstream, forwarder, metrics, collectorUrl: config.collectorUrl, startedMs });

  serveRequests(server, routes, forwarder, config.maxPayloadSize, logger);
  monitor.start();
  logger.info(
    { url, mode: upstream.mode, workers: workers.map((worker) => `${worker.nodeId}=${worker.url}`), policy: upstream.policyLabel, collector: config.tracing ? config.collectorUrl : 'off' },
    'proxy listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceSecs * 1000);
      await closed;
      clearTimeout(grace);
      monitor.stop();
      if (upstream.mode === 'gateway') upstream.policy.close?.();
      await forwarder.close();
      await exporter?.shutdown();
      logger.info({ sent: exporter?.counters.sent ?? 0, dropped: exporter?.counters.dropped ?? 0 }, 'proxy stopped');
    })();
    return closing;
  };

  const sockets = async (): Promise<{ clientConnections: number; upstreamActive: number; upstreamIdle: number }> => {
    const upstreamSockets = forwarder.pools.sockets();
    return {
      clientConnections: await new Promise<number>((resolve) => server.getConnections((_error, n) => resolve(n))),
      upstreamActive: upstreamSockets.active,
      upstreamIdle: upstreamSockets.idle,
    };
  };

  return { url, port, workers, exporter, monitor, metrics, sockets, close };
}
