import { isRecord } from '#shared/guards.js';
import {
  ATTRIBUTIONS, DECISION_NAME, isCleanText, MAX_CANDIDATE_LOADS, MAX_ERROR_LENGTH, MAX_REQUEST_ID_LENGTH, PRINTABLE_ASCII, TRACE_STATUSES,
  type RoutingRecordInput,
} from '#shared/record.js';
import { parseTimeValue } from '#shared/time.js';
import { isHttpUrl } from '#shared/url.js';

/**
 * A record's JSON text when every field passes the predicates of the collector's fast check
 * (`shared/record-fast-path.ts`); undefined when any field is one that check would not settle,
 * and the exporter then runs the full schema on the object (which also writes the error). So
 * the proxy never sends what the collector would refuse. The checks read the fields and build
 * nothing; the text is JSON.stringify's, which writes a flat string in one native pass. Written
 * field by field (a chain of ~50 concatenated heap strings, flattened again when the batch was
 * joined) it cost 2.7 µs per record against 1.4 for JSON.stringify (micro-benchmark, Node 24),
 * and in a traced proxy under wrk -c16 the join's flattening and page faults were another ~1.5
 * µs per record (perf). test/proxy/unit/record-json.test.ts holds it to the schema.
 *
 * Records are built by record-builder.ts with the contract's keys only; a key the contract does
 * not know would be written too (the collector drops it), and one JSON cannot hold leaves the
 * record to the schema path.
 */
const STATUSES: ReadonlySet<unknown> = new Set(TRACE_STATUSES);
const ATTRIBUTION_SET: ReadonlySet<unknown> = new Set(ATTRIBUTIONS);

/**
 * Text already found clean (node ids, policy, proxy id) or an http(s) URL: the same few values
 * recur in every record, and a URL parse costs more than the rest of the record. Bounded: a
 * router naming many workers only refills it.
 */
const MEMO_LIMIT = 1024;
const cleanSeen = new Set<string>();
const urlSeen = new Set<string>();

function remember(seen: Set<string>, value: string): void {
  if (seen.size >= MEMO_LIMIT) seen.clear();
  seen.add(value);
}

const cleanText = (value: string): boolean => cleanSeen.has(value) || (isCleanText(value) && (remember(cleanSeen, value), true));
const httpUrl = (value: string): boolean => urlSeen.has(value) || (isHttpUrl(value) && (remember(urlSeen, value), true));

const text = (value: unknown, min: number, max: number): value is string => typeof value === 'string' && value.length >= min && value.length <= max;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** An optional field: absent, null, or `ok`. */
const optional = (value: unknown, ok: boolean): boolean => value === undefined || value === null || ok;
const optionalCount = (value: unknown): boolean => optional(value, isCount(value));
const optionalMs = (value: unknown): boolean => optional(value, typeof value === 'number' && Number.isFinite(value) && value >= 0);
const optionalFraction = (value: unknown): boolean => optional(value, typeof value === 'number' && value >= 0 && value <= 1);
const optionalIntIn = (value: unknown, min: number, max: number): boolean => optional(value, Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max);
const optionalBool = (value: unknown): boolean => optional(value, typeof value === 'boolean');
const optionalText = (value: unknown, max: number): boolean => optional(value, text(value, 0, max));

function candidateLoadsSettle(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  if (keys.length > MAX_CANDIDATE_LOADS) return false;
  for (const key of keys) {
    if (key === '__proto__' || !text(key, 1, 128) || !cleanText(key) || !isCount(value[key])) return false;
  }
  return true;
}

/** Whether every field passes the fast check's predicates (see above). */
function settles(r: Record<string, unknown>): boolean {
  const { record_id: recordId, request_id: requestId, node_id: nodeId, worker_url: workerUrl, routing_policy: policy, status, timestamp } = r;
  return (
    text(recordId, 1, 64) &&
    text(requestId, 1, MAX_REQUEST_ID_LENGTH) && PRINTABLE_ASCII.test(requestId) &&
    text(nodeId, 1, 128) && cleanText(nodeId) &&
    text(workerUrl, 0, 2048) && httpUrl(workerUrl) &&
    text(policy, 1, 64) && cleanText(policy) &&
    STATUSES.has(status) &&
    (typeof timestamp === 'number' || typeof timestamp === 'string') && parseTimeValue(timestamp) !== undefined &&
    optionalMs(r.duration_ms) &&
    optionalMs(r.ttft_ms) &&
    optionalIntIn(r.http_status, 100, 599) &&
    optionalBool(r.stream) &&
    optionalText(r.method, 16) &&
    optionalText(r.path, 2048) &&
    optionalText(r.model, 256) &&
    optionalCount(r.prompt_tokens) &&
    optionalCount(r.completion_tokens) &&
    optionalCount(r.cached_tokens) &&
    optionalBool(r.cache_hit) &&
    optionalFraction(r.cache_hit_rate) &&
    optionalCount(r.queue_size) &&
    optionalCount(r.worker_load) &&
    optionalFraction(r.prefix_match_rate) &&
    optionalIntIn(r.attempts, 1, Number.MAX_SAFE_INTEGER) &&
    optionalText(r.error, MAX_ERROR_LENGTH) &&
    optional(r.proxy_id, text(r.proxy_id, 0, 256) && cleanText(r.proxy_id)) &&
    optional(r.attribution, ATTRIBUTION_SET.has(r.attribution)) &&
    optionalIntIn(r.dp_rank, 0, 65535) &&
    optional(r.decision, text(r.decision, 0, 32) && DECISION_NAME.test(r.decision)) &&
    candidateLoadsSettle(r.candidate_loads)
  );
}

/** A record's JSON text; undefined when JSON cannot hold it (a key outside the contract holding a BigInt or a cycle). */
export function jsonTextOf(record: RoutingRecordInput): string | undefined {
  try {
    return JSON.stringify(record);
  } catch {
    return undefined;
  }
}

export function recordJson(record: RoutingRecordInput): string | undefined {
  // What JSON cannot hold goes to the schema path, which decides.
  return settles(record) ? jsonTextOf(record) : undefined;
}
