#!/usr/bin/env node
import { startCollector } from '../collector/collector.js';
import { startProxy } from '../proxy/proxy.js';
import { runCommand } from '#shared/cli/run-command.js';
import { createLogger } from '#shared/log.js';
import { ALL_IN_ONE_FLAGS, allInOneOptionsFromFlags } from './options.js';

await runCommand({
  program: 'routetrace',
  summary:
    'routetrace in one process: the proxy (clients connect to --port) and the collector with its\n' +
    'SQLite file (--db). Give --worker-urls to route with a policy, or --router-url to record an sgl-router.',
  flags: ALL_IN_ONE_FLAGS,
  toOptions: allInOneOptionsFromFlags,
  async start({ collector: collectorOptions, proxy: proxyOptions, logLevel }) {
    const collector = await startCollector({ ...collectorOptions, logger: createLogger('routetrace-collector', logLevel) });
    try {
      const proxy = await startProxy({ ...proxyOptions, collectorUrl: collector.url, logger: createLogger('routetrace-proxy', logLevel) });
      return {
        // Proxy first: its final flush goes into the collector before that closes.
        async close() {
          await proxy.close();
          await collector.close();
        },
      };
    } catch (error) {
      await collector.close();
      throw error;
    }
  },
});
