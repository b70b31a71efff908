import { FlagError, type FlagSpec, type FlagValues } from '#shared/cli/flags.js';
import type { CollectorOptions } from '../collector/collector.js';
import { COLLECTOR_FLAGS, collectorOptionsFromFlags } from '../collector/options.js';
import { PROXY_FLAGS, proxyOptionsFromFlags } from '../proxy/options.js';
import type { ProxyOptions } from '../proxy/proxy.js';
import type { LogLevel } from '#shared/log.js';

function collectorFlag(name: string): FlagSpec {
  const spec = COLLECTOR_FLAGS.find((flag) => flag.name === name);
  if (spec === undefined) throw new Error(`no collector flag ${name}`);
  return spec;
}

/**
 * The union of both tools' flags. `--host`/`--port` are the proxy's (what clients use); the
 * embedded collector listens on `--collector-host`/`--collector-port`, the same environment
 * variables as routetrace-collector's `--host`/`--port`. `--collector-url` has no meaning here:
 * the proxy sends to the embedded collector.
 */
export const ALL_IN_ONE_FLAGS: readonly FlagSpec[] = [
  ...PROXY_FLAGS.filter((flag) => flag.name !== 'collector-url'),
  { ...collectorFlag('host'), name: 'collector-host', description: 'Address the embedded collector listens on.' },
  { ...collectorFlag('port'), name: 'collector-port', description: 'Port of the embedded collector (its trace API is also on the proxy port).' },
  ...['db', 'max-trace-entries', 'trace-ttl', 'retention-interval', 'max-clock-skew', 'max-streams'].map(collectorFlag),
];

const MISSING_UPSTREAM =
  'nothing to route to: give --worker-urls URL [URL ...] (your SGLang workers) or --router-url URL (your sgl-router).\n' +
  'To try routetrace without GPUs, run: npm run demo';

export interface AllInOneOptions {
  collector: CollectorOptions;
  proxy: ProxyOptions;
  logLevel: LogLevel;
}

export function allInOneOptionsFromFlags(values: FlagValues): AllInOneOptions {
  if (!values.has('worker-urls') && !values.has('router-url')) throw new FlagError(MISSING_UPSTREAM);
  const { logLevel, ...proxy } = proxyOptionsFromFlags(values);
  // The collector's own reader takes host/port; here they come from the renamed flags.
  const { logLevel: _unused, ...collector } = collectorOptionsFromFlags(values);
  return {
    proxy,
    collector: { ...collector, host: values.string('collector-host'), port: values.number('collector-port') },
    logLevel,
  };
}
