import type { FlagSpec, FlagValues } from '#shared/cli/flags.js';
import { LOG_LEVEL_FLAG, logLevelFrom } from '#shared/cli/log-level.js';
import type { LogLevel } from '#shared/log.js';
import { COLLECTOR_DEFAULTS, type CollectorOptions } from './collector.js';

export const COLLECTOR_FLAGS: readonly FlagSpec[] = [
  { name: 'host', kind: 'string', env: 'ROUTETRACE_COLLECTOR_HOST', default: COLLECTOR_DEFAULTS.host, placeholder: 'HOST', description: 'Address to listen on (0.0.0.0 for every interface).' },
  { name: 'port', kind: 'integer', env: 'ROUTETRACE_COLLECTOR_PORT', default: COLLECTOR_DEFAULTS.port, min: 0, max: 65535, placeholder: 'PORT', description: 'Port to listen on (0 picks a free port).' },
  { name: 'db', kind: 'string', env: 'ROUTETRACE_DB', default: COLLECTOR_DEFAULTS.dbPath, placeholder: 'PATH|URL', description: 'Where records are stored: a SQLite file (WAL mode; its folder is created), or a postgres://user:password@host:5432/dbname URL (PostgreSQL 15+, shared by several collectors).' },
  { name: 'max-trace-entries', kind: 'integer', env: 'ROUTETRACE_MAX_TRACE_ENTRIES', default: COLLECTOR_DEFAULTS.maxTraceEntries, min: 1, max: 1_000_000_000, placeholder: 'N', description: 'Records retained at most; the oldest beyond it are removed.' },
  { name: 'trace-ttl', kind: 'integer', env: 'ROUTETRACE_TRACE_TTL', default: COLLECTOR_DEFAULTS.traceTtlSeconds, min: 1, max: 10 * 365 * 24 * 3600, placeholder: 'SECONDS', description: 'Seconds a record is retained after it was routed.' },
  { name: 'retention-interval', kind: 'integer', env: 'ROUTETRACE_RETENTION_INTERVAL', default: COLLECTOR_DEFAULTS.retentionIntervalSeconds, min: 1, max: 86_400, placeholder: 'SECONDS', description: 'Seconds between retention sweeps.' },
  { name: 'max-clock-skew', kind: 'integer', env: 'ROUTETRACE_MAX_CLOCK_SKEW', default: COLLECTOR_DEFAULTS.maxClockSkewSeconds, min: 0, max: 86_400, placeholder: 'SECONDS', description: 'Refuse records routed more than this many seconds in the future (a skewed clock; they would never expire).' },
  { name: 'ingest-token', kind: 'string', env: 'ROUTETRACE_INGEST_TOKEN', placeholder: 'TOKEN', description: 'Require "Authorization: Bearer TOKEN" on POST /v1/traces. Default: no token (ingest open; keep the collector on loopback).' },
  { name: 'max-streams', kind: 'integer', env: 'ROUTETRACE_MAX_STREAMS', default: COLLECTOR_DEFAULTS.maxStreams, min: 1, max: 100_000, placeholder: 'N', description: 'Concurrent live-tail streams (GET /v1/traces/stream); one more gets 503 too_many_streams.' },
  LOG_LEVEL_FLAG,
];

export function collectorOptionsFromFlags(values: FlagValues): CollectorOptions & { logLevel: LogLevel } {
  const logLevel = logLevelFrom(values);
  return {
    host: values.string('host'),
    port: values.number('port'),
    dbPath: values.string('db'),
    maxTraceEntries: values.number('max-trace-entries'),
    traceTtlSeconds: values.number('trace-ttl'),
    retentionIntervalSeconds: values.number('retention-interval'),
    maxClockSkewSeconds: values.number('max-clock-skew'),
    ingestToken: values.string('ingest-token'),
    maxStreams: values.number('max-streams'),
    logLevel,
  };
}
