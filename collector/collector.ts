import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withDefaults } from '#shared/defaults.js';
import { listen, localUrl } from '#shared/listen.js';
import { silentLogger, type Logger } from '#shared/log.js';
import { createCollectorApp } from './app.js';
import { DEFAULT_MAX_BODY_BYTES } from './http/json-body.js';
import { IngestThread } from './ingest/ingest-thread.js';
import { CollectorMetrics } from './metrics.js';
import { RetentionJob } from './retention-job.js';
import { STREAM_DEFAULTS, StreamHub } from './stream/stream-hub.js';
import { openStore } from './store/open-store.js';
import type { TraceStore } from './store/trace-store.js';

export interface CollectorOptions {
  /** Address to listen on. Default: 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default: 30010. */
  port?: number;
  /**
   * Where records are stored: a SQLite file (its folder is created), or a `postgres://` /
   * `postgresql://` URL naming a PostgreSQL database. Default: ./data/routetrace.db.
   */
  dbPath?: string;
  /**
   * Records retained at most. Default: 1000000 (~400 MB on disk at ~400 bytes per record with
   * indexes and rollups, measured; stats and time series cost does not grow with it).
   */
  maxTraceEntries?: number;
  /** Seconds a record is retained. Default: 3600. */
  traceTtlSeconds?: number;
  /** Seconds between retention sweeps. Default: 10. */
  retentionIntervalSeconds?: number;
  /** Rows per retention DELETE. Default: 2000. */
  retentionBatchSize?: number;
  /** When set, ingest requires `Authorization: Bearer <token>`. Default: none. */
  ingestToken?: string;
  /** Largest ingest body in bytes. Default: 10 MiB. */
  maxBodyBytes?: number;
  /** Records routed more than this many seconds in the collector's future are refused. Default: 300. */
  maxClockSkewSeconds?: number;
  /** Concurrent live-tail (SSE) streams; one more gets 503 too_many_streams. Default: 64. */
  maxStreams?: number;
  /** Seconds between heartbeat comments on a live-tail stream. Default: 15. */
  streamHeartbeatSeconds?: number;
  /** Bytes a live-tail client may leave unread before it is disconnected. Default: 1 MiB. */
  streamBufferBytes?: number;
  /** Default: a silent logger. */
  logger?: Logger;
}

export const COLLECTOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 30010,
  dbPath: './data/routetrace.db',
  maxTraceEntries: 1_000_000,
  traceTtlSeconds: 3600,
  retentionIntervalSeconds: 10,
  retentionBatchSize: 2000,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxClockSkewSeconds: 300,
  maxStreams: STREAM_DEFAULTS.maxStreams,
  streamHeartbeatSeconds: STREAM_DEFAULTS.heartbeatMs / 1000,
  streamBufferBytes: STREAM_DEFAULTS.maxBufferedBytes,
} as const;

export interface RunningCollector {
  url: string;
  port: number;
  /** The store; `store.onStored(listener)` is the live-tail hook. */
  store: TraceStore;
  /** The ingest thread (tests stop it as a crash would). */
  checker: IngestThread;
  retention: RetentionJob;
  metrics: CollectorMetrics;
  /** Stops accepting, lets in-flight requests finish (up to 5 s), closes the database. */
  close(): Promise<void>;
}

export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const config = withDefaults(COLLECTOR_DEFAULTS, options);
  const logger = options.logger ?? silentLogger();
  const startedMs = Date.now();

  const store = await openStore(config.dbPath, {
    maxTraceEntries: config.maxTraceEntries,
    traceTtlSeconds: config.traceTtlSeconds,
    batchSize: config.retentionBatchSize,
  });
  const metrics = new CollectorMetrics(store);
  const retention = new RetentionJob(store.retention, {
    intervalSeconds: config.retentionIntervalSeconds,
    logger,
    onSweep(result) {
      metrics.retentionRemoved.inc({ reason: 'ttl' }, result.removedByTtl);
      metrics.retentionRemoved.inc({ reason: 'cap' }, result.removedByCap);
      if (result.removedByTtl + result.removedByCap > 0) logger.debug(result, 'retention sweep');
    },
  });

  const streams = new StreamHub(
    store,
    { ...STREAM_DEFAULTS, maxStreams: config.maxStreams, heartbeatMs: config.streamHeartbeatSeconds * 1000, maxBufferedBytes: config.streamBufferBytes },
    metrics.registry,
  );
  const checker = new IngestThread(config.maxClockSkewSeconds);
  checker.start();
  const app = createCollectorApp({
    store,
    checker,
    metrics,
    logger,
    ingestToken: config.ingestToken,
    maxBodyBytes: config.maxBodyBytes,
    onCapExceeded: () => retention.requestSweep(),
    startedMs,
    streams,
  });
  const server = createServer(app);
  let address: AddressInfo;
  try {
    address = await listen(server, config.port, config.host);
  } catch (error) {
    await checker.close();
    await store.close();
    throw error;
  }
  retention.start();
  const url = localUrl(config.host, address.port);
  logger.info({ url, db: store.location, maxTraceEntries: config.maxTraceEntries, traceTtlSeconds: config.traceTtlSeconds }, 'collector listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await retention.stop();
      streams.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(grace);
      await checker.close();
      await store.close();
      logger.info('collector stopped');
    })();
    return closing;
  };

  return { url, port: address.port, store, checker, retention, metrics, close };
}
