import { MAX_CANDIDATE_LOADS, MAX_ERROR_LENGTH, type Attribution, type RoutingRecordInput, type TraceStatus } from '#shared/record.js';
import type { Usage } from './usage.js';

/** Who served a request, as far as the proxy knows. */
export interface Served {
  nodeId: string;
  url: string;
  attribution: Attribution;
  dpRank?: number;
  attempts?: number;
}

/** Everything a record is built from: the request context exposes these fields. */
export interface RecordFacts {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** Epoch ms at arrival. */
  readonly timestamp: number;
  /** performance.now() at arrival, first response byte, and end. */
  readonly startedAt: number;
  readonly firstByteAt: number | undefined;
  readonly httpStatus: number | undefined;
  /** True/false when the response (or the request body) said; undefined when unknown. */
  readonly stream: boolean | undefined;
  readonly requestModel: string | undefined;
  readonly usage: Usage | undefined;
  /** Gateway mode: the worker chosen (last attempt); front-of-router mode: the router. */
  readonly served: Served | undefined;
  /** Front-of-router mode: the worker a router's response header named (or round robin inferred); wins over `served`. */
  readonly attributed: Served | undefined;
  /** Gateway mode only: in-flight requests to the chosen worker when chosen, and its reported queue. */
  readonly queueSize: number | undefined;
  readonly workerLoad: number | undefined;
  readonly prefixMatchRate: number | undefined;
  readonly decision: string | undefined;
  readonly candidateLoads: Readonly<Record<string, number>> | undefined;
  /** Attempts made by this proxy (0 when none reached a worker). */
  readonly attempts: number;
}

export interface RecordSettings {
  routingPolicy: string;
  proxyId: string;
  /** The proxy's own URL: the worker_url of requests no worker was chosen for. */
  selfUrl: string;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** The policy's loads (a fresh object per decision, never changed after) as they are when within the bound: no copy per record. */
function boundedLoads(loads: Readonly<Record<string, number>> | undefined): Readonly<Record<string, number>> | undefined {
  if (loads === undefined) return undefined;
  let count = 0;
  for (const _ in loads) if (++count > MAX_CANDIDATE_LOADS) return Object.fromEntries(Object.entries(loads).slice(0, MAX_CANDIDATE_LOADS));
  return loads;
}

/** The routing record of one finished request. Pure: the caller supplies ids and the clock. */
export function buildRecord(facts: RecordFacts, outcome: { status: TraceStatus; error: string | undefined }, settings: RecordSettings, recordId: string, now: number): RoutingRecordInput {
  const usage = facts.usage;
  const cached = usage?.cachedTokens;
  const prompt = usage?.promptTokens;
  const served = facts.attributed ?? facts.served;
  return {
    record_id: recordId,
    request_id: facts.requestId,
    node_id: (served?.nodeId ?? 'none').slice(0, 128),
    worker_url: served?.url ?? settings.selfUrl,
    routing_policy: settings.routingPolicy,
    status: outcome.status,
    timestamp: facts.timestamp,
    duration_ms: round(now - facts.startedAt),
    ttft_ms: facts.firstByteAt === undefined ? undefined : round(facts.firstByteAt - facts.startedAt),
    http_status: facts.httpStatus,
    stream: facts.stream,
    method: facts.method.slice(0, 16),
    path: facts.path.slice(0, 2048),
    model: (usage?.model ?? facts.requestModel)?.slice(0, 256),
    prompt_tokens: prompt,
    completion_tokens: usage?.completionTokens,
    cached_tokens: cached,
    cache_hit: cached === undefined ? undefined : cached > 0,
    cache_hit_rate: cached !== undefined && prompt !== undefined && prompt > 0 ? Math.min(1, cached / prompt) : undefined,
    queue_size: facts.queueSize,
    worker_load: facts.workerLoad,
    prefix_match_rate: facts.prefixMatchRate,
    attempts: served?.attempts ?? (facts.attempts > 0 ? facts.attempts : undefined),
    dp_rank: served?.dpRank,
    decision: facts.decision,
    candidate_loads: boundedLoads(facts.candidateLoads),
    error: outcome.error?.slice(0, MAX_ERROR_LENGTH),
    proxy_id: settings.proxyId,
    attribution: served?.attribution ?? 'proxy',
  };
}
