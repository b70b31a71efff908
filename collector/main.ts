#!/usr/bin/env node
// First: V8 flags must be set before the other modules load (see gc-tuning.ts).
import './gc-tuning.js';
import { runCommand } from '#shared/cli/run-command.js';
import { createLogger } from '#shared/log.js';
import { startCollector } from './collector.js';
import { COLLECTOR_FLAGS, collectorOptionsFromFlags } from './options.js';

await runCommand({
  program: 'routetrace-collector',
  summary:
    'Stores routetrace routing records in SQLite (a file) or PostgreSQL (a postgres:// URL), enforces\n' +
    'the row cap and TTL, and serves\n' +
    '/v1/traces, /v1/traces/{request_id}, /v1/traces/stats, /v1/traces/timeseries, the live tail\n' +
    '/v1/traces/stream, the dashboard at /dashboard/, /health and /metrics.',
  flags: COLLECTOR_FLAGS,
  toOptions: collectorOptionsFromFlags,
  start: ({ logLevel, ...options }) => startCollector({ ...options, logger: createLogger('routetrace-collector', logLevel) }),
});
