#!/usr/bin/env node
import { runCommand } from '#shared/cli/run-command.js';
import { createLogger } from '#shared/log.js';
import { PROXY_FLAGS, proxyOptionsFromFlags } from './options.js';
import { startProxy } from './proxy.js';

await runCommand({
  program: 'routetrace-proxy',
  summary:
    'Forwards SGLang requests to workers (routing them with a policy, or in front of sgl-router),\n' +
    'streams responses through untouched, and sends one routing record per request to the collector.',
  flags: PROXY_FLAGS,
  toOptions: proxyOptionsFromFlags,
  start: ({ logLevel, ...options }) => startProxy({ ...options, logger: createLogger('routetrace-proxy', logLevel) }),
});
