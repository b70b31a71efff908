import { FlagError, type FlagSpec, type FlagValues } from '#shared/cli/flags.js';
import { LOG_LEVEL_FLAG, logLevelFrom } from '#shared/cli/log-level.js';
import type { LogLevel } from '#shared/log.js';
import { routingRecordSchema } from '#shared/record.js';
import { CACHE_AWARE_DEFAULTS } from './policies/cache-aware.js';
import { POLICY_NAMES, type PolicyName } from './policies/policy.js';
import { PROXY_DEFAULTS, type ProxyOptions } from './proxy.js';
import { parseWorkerSpecs } from './workers/backend.js';

/** The record contract's limits (shared/record.ts), for the messages. */
const PROXY_ID_MAX = 256;
const NODE_ID_MAX = 128;

export const PROXY_FLAGS: readonly FlagSpec[] = [
  { name: 'host', kind: 'string', env: 'ROUTETRACE_PROXY_HOST', default: PROXY_DEFAULTS.host, placeholder: 'HOST', description: 'Address to listen on (0.0.0.0 for every interface).' },
  { name: 'port', kind: 'integer', env: 'ROUTETRACE_PROXY_PORT', default: PROXY_DEFAULTS.port, min: 0, max: 65535, placeholder: 'PORT', description: 'Port to listen on (0 picks a free port).' },
  { name: 'worker-urls', kind: 'list', env: 'ROUTETRACE_WORKER_URLS', placeholder: 'URL [URL ...]', description: 'Gateway mode: the SGLang workers, space- or comma-separated; name=URL sets a node id (default worker-0 … worker-N-1 in order).' },
  { name: 'policy', kind: 'string', env: 'ROUTETRACE_POLICY', default: PROXY_DEFAULTS.policy, choices: POLICY_NAMES, placeholder: 'POLICY', description: `Gateway mode routing policy: ${POLICY_NAMES.join(', ')}.` },
  { name: 'cache-threshold', kind: 'number', env: 'ROUTETRACE_CACHE_THRESHOLD', default: CACHE_AWARE_DEFAULTS.cacheThreshold, min: 0, max: 1, placeholder: 'RATE', description: 'cache_aware: route to the best prefix match when its match rate exceeds this.' },
  { name: 'balance-abs-threshold', kind: 'integer', env: 'ROUTETRACE_BALANCE_ABS_THRESHOLD', default: CACHE_AWARE_DEFAULTS.balanceAbsThreshold, min: 0, placeholder: 'N', description: 'cache_aware: load is imbalanced when max - min in-flight exceeds this ...' },
  { name: 'balance-rel-threshold', kind: 'number', env: 'ROUTETRACE_BALANCE_REL_THRESHOLD', default: CACHE_AWARE_DEFAULTS.balanceRelThreshold, min: 1, placeholder: 'RATIO', description: '... and max > min x this; then the least loaded worker wins.' },
  { name: 'eviction-interval-secs', kind: 'integer', env: 'ROUTETRACE_EVICTION_INTERVAL_SECS', default: CACHE_AWARE_DEFAULTS.evictionIntervalSecs, min: 1, placeholder: 'SECONDS', description: 'cache_aware: seconds between prefix-tree evictions.' },
  { name: 'max-tree-size', kind: 'integer', env: 'ROUTETRACE_MAX_TREE_SIZE', default: CACHE_AWARE_DEFAULTS.maxTreeSize, min: 1, placeholder: 'CHARS', description: 'cache_aware: characters of prompt text kept per worker after an eviction.' },
  { name: 'router-url', kind: 'url', env: 'ROUTETRACE_ROUTER_URL', placeholder: 'URL', description: 'Front-of-router mode: send everything to this sgl-router and record what it decided.' },
  { name: 'router-policy', kind: 'string', env: 'ROUTETRACE_ROUTER_POLICY', placeholder: 'LABEL', description: 'The routing_policy recorded when a router decides: its --policy in front-of-router mode (default: cache_aware), or the policy of the router in front of a one-worker sidecar. Default in gateway mode: the --policy name.' },
  { name: 'worker-header', kind: 'string', env: 'ROUTETRACE_WORKER_HEADER', placeholder: 'NAME', description: 'Front-of-router mode: a response header naming the worker (URL, URL@rank, host:port, a --worker-urls name, or nginx\'s list), read before x-smg-routed-worker-id and x-sglang-worker, which are always read.' },
  { name: 'infer-worker', kind: 'string', env: 'ROUTETRACE_INFER_WORKER', choices: ['round_robin'], placeholder: 'round_robin', description: 'Front-of-router mode without a worker header: estimate the worker as a request counter modulo the --worker-urls count (attribution "inferred").' },
  { name: 'collector-url', kind: 'url', env: 'ROUTETRACE_COLLECTOR_URL', default: PROXY_DEFAULTS.collectorUrl, placeholder: 'URL', description: 'Where routing records are sent.' },
  { name: 'ingest-token', kind: 'string', env: 'ROUTETRACE_INGEST_TOKEN', placeholder: 'TOKEN', description: 'Bearer token for the collector (sent to the collector only, never to workers).' },
  { name: 'request-id-headers', kind: 'list', env: 'ROUTETRACE_REQUEST_ID_HEADERS', default: PROXY_DEFAULTS.requestIdHeaders, placeholder: 'NAME [NAME ...]', description: 'Headers read for the request id, first present wins.' },
  { name: 'request-timeout-secs', kind: 'number', env: 'ROUTETRACE_REQUEST_TIMEOUT_SECS', default: PROXY_DEFAULTS.requestTimeoutSecs, min: 0.001, placeholder: 'SECONDS', description: 'Deadline for a worker\'s answer (504 past it); an event stream has none once it started.' },
  { name: 'max-payload-size', kind: 'integer', env: 'ROUTETRACE_MAX_PAYLOAD_SIZE', default: PROXY_DEFAULTS.maxPayloadSize, min: 1, placeholder: 'BYTES', description: 'Largest request body (413 past it).' },
  { name: 'health-check-interval-secs', kind: 'number', env: 'ROUTETRACE_HEALTH_CHECK_INTERVAL_SECS', default: PROXY_DEFAULTS.healthCheckIntervalSecs, min: 0.1, placeholder: 'SECONDS', description: 'Seconds between /health checks of each worker.' },
  { name: 'load-check-interval-secs', kind: 'number', env: 'ROUTETRACE_LOAD_CHECK_INTERVAL_SECS', default: PROXY_DEFAULTS.loadCheckIntervalSecs, min: 0, placeholder: 'SECONDS', description: 'Seconds between /get_load polls (worker_load; 0: never).' },
  { name: 'proxy-id', kind: 'string', env: 'ROUTETRACE_PROXY_ID', placeholder: 'ID', description: 'This proxy\'s name in its records. Default: <hostname>:<port>.' },
  { name: 'inject-rid', kind: 'boolean', env: 'ROUTETRACE_INJECT_RID', default: PROXY_DEFAULTS.injectRid, description: 'Set the body\'s rid to the request id when it has none (--no-inject-rid for backends that reject unknown fields).' },
  { name: 'tracing', kind: 'boolean', env: 'ROUTETRACE_TRACING', default: PROXY_DEFAULTS.tracing, description: 'Record and export routing records (--no-tracing: a plain forwarding proxy).' },
  { name: 'shutdown-grace-secs', kind: 'number', env: 'ROUTETRACE_SHUTDOWN_GRACE_SECS', default: PROXY_DEFAULTS.shutdownGraceSecs, min: 0, placeholder: 'SECONDS', description: 'On SIGTERM/SIGINT: how long in-flight requests may take before their connections are closed.' },
  LOG_LEVEL_FLAG,
];

export function proxyOptionsFromFlags(values: FlagValues): ProxyOptions & { logLevel: LogLevel } {
  const workerUrls = values.list('worker-urls');
  const routerUrl = values.string('router-url');
  if (workerUrls === undefined && routerUrl === undefined) {
    throw new FlagError('give --worker-urls URL [URL ...] (routetrace routes) or --router-url URL (in front of sgl-router)');
  }
  if (workerUrls !== undefined) {
    try {
      parseWorkerSpecs(workerUrls);
    } catch (error) {
      throw new FlagError(`--worker-urls: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // Values that end up in every record are checked against the shared schema here, at start:
  // a proxy that would send only records the collector refuses must not start.
  const proxyId = values.string('proxy-id');
  if (proxyId !== undefined && !routingRecordSchema.shape.proxy_id.safeParse(proxyId).success) {
    throw new FlagError(`--proxy-id: at most ${PROXY_ID_MAX} characters (the record's proxy_id), got ${proxyId.length}`);
  }
  const longName = parseWorkerSpecs(workerUrls ?? []).find((worker) => !routingRecordSchema.shape.node_id.safeParse(worker.nodeId).success);
  if (longName !== undefined) {
    throw new FlagError(`--worker-urls: a worker name is at most ${NODE_ID_MAX} characters (the record's node_id), got ${longName.nodeId.length}`);
  }
  const inferWorker = values.string('infer-worker');
  if (inferWorker !== undefined && (routerUrl === undefined || workerUrls === undefined)) {
    throw new FlagError('--infer-worker: needs --router-url and --worker-urls');
  }
  const policy: PolicyName = POLICY_NAMES.find((name) => name === values.string('policy')) ?? 'cache_aware';
  const logLevel = logLevelFrom(values);
  return {
    host: values.string('host'),
    port: values.number('port'),
    workerUrls,
    policy,
    cacheAware: {
      cacheThreshold: values.number('cache-threshold'),
      balanceAbsThreshold: values.number('balance-abs-threshold'),
      balanceRelThreshold: values.number('balance-rel-threshold'),
      evictionIntervalSecs: values.number('eviction-interval-secs'),
      maxTreeSize: values.number('max-tree-size'),
    },
    routerUrl,
    routerPolicy: values.string('router-policy'),
    workerHeader: values.string('worker-header'),
    inferWorker: inferWorker === 'round_robin' ? 'round_robin' : undefined,
    collectorUrl: values.string('collector-url'),
    ingestToken: values.string('ingest-token'),
    requestIdHeaders: values.list('request-id-headers'),
    requestTimeoutSecs: values.number('request-timeout-secs'),
    maxPayloadSize: values.number('max-payload-size'),
    healthCheckIntervalSecs: values.number('health-check-interval-secs'),
    loadCheckIntervalSecs: values.number('load-check-interval-secs'),
    proxyId,
    injectRid: values.boolean('inject-rid'),
    tracing: values.boolean('tracing'),
    shutdownGraceSecs: values.number('shutdown-grace-secs'),
    logLevel,
  };
}
