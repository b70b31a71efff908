import { isRecord } from './guards.js';
import { isHttpUrl } from './url.js';
import {
  ATTRIBUTIONS, clampCachedTokens, DECISION_NAME, isCleanText, MAX_CANDIDATE_LOADS, MAX_ERROR_LENGTH,
  MAX_REQUEST_ID_LENGTH, PRINTABLE_ASCII, TRACE_STATUSES, type RecordValidation, type RoutingRecord,
} from './record.js';
import { parseTimeValue } from './time.js';

/**
 * The collector's hot path: a hand-written check that accepts a record only when
 * `routingRecordSchema` would accept it, and builds the same output. Anything it is not sure
 * of returns undefined, and the caller runs the zod schema, which also writes the error
 * messages: validation is never weaker and its messages never differ. Why: zod took ~24% of the
 * collector's CPU per record (issue 15); test/shared/record-fast-path.test.ts holds the two to
 * the same answers.
 */
const STATUSES: ReadonlySet<unknown> = new Set(TRACE_STATUSES);
const ATTRIBUTION_SET: ReadonlySet<unknown> = new Set(ATTRIBUTIONS);
/** Fields copied as they are once checked (every optional field but the object one). */
const OPTIONAL = [
  'duration_ms', 'ttft_ms', 'http_status', 'stream', 'method', 'path', 'model', 'prompt_tokens', 'completion_tokens', 'cached_tokens',
  'cache_hit', 'cache_hit_rate', 'queue_size', 'worker_load', 'prefix_match_rate', 'attempts', 'error', 'proxy_id', 'attribution',
  'dp_rank', 'decision',
] as const;

const absent = (value: unknown): boolean => value === undefined || value === null;
const text = (value: unknown, min: number, max: number): value is string => typeof value === 'string' && value.length >= min && value.length <= max;
const count = (value: unknown): boolean => absent(value) || (Number.isSafeInteger(value) && Number(value) >= 0);
const ms = (value: unknown): boolean => absent(value) || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
const fraction = (value: unknown): boolean => absent(value) || (typeof value === 'number' && value >= 0 && value <= 1);
const bool = (value: unknown): boolean => absent(value) || typeof value === 'boolean';
const optionalText = (value: unknown, max: number): boolean => absent(value) || text(value, 0, max);
const intIn = (value: unknown, min: number, max: number): boolean => absent(value) || (Number.isSafeInteger(value) && Number(value) >= min && Number(value) <= max);

/**
 * Strings already found valid, per check. A batch repeats a handful of worker URLs, node ids and
 * policies a thousand times, and parsing a URL cost ~1.5 µs (about a third of this check,
 * measured): remembering them saves it. Bounded: emptied when it holds MEMO_LIMIT strings.
 */
const MEMO_LIMIT = 4096;
class ValidMemo {
  readonly #seen = new Set<string>();
  readonly #check: (value: string) => boolean;

  constructor(check: (value: string) => boolean) {
    this.#check = check;
  }

  test(value: string): boolean {
    if (this.#seen.has(value)) return true;
    if (!this.#check(value)) return false;
    if (this.#seen.size >= MEMO_LIMIT) this.#seen.clear();
    this.#seen.add(value);
    return true;
  }
}
const httpUrls = new ValidMemo(isHttpUrl);
const cleanTexts = new ValidMemo(isCleanText);

function candidateLoads(value: unknown): boolean {
  if (absent(value)) return true;
  if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  if (keys.length > MAX_CANDIDATE_LOADS) return false;
  for (const key of keys) if (key === '__proto__' || !text(key, 1, 128) || !cleanTexts.test(key) || !count(value[key]) || absent(value[key])) return false;
  return true;
}

/**
 * Whether every field but `timestamp` passes the checks the schema makes (the timestamp is
 * parsed by the caller: parseTimeValue). True only when the schema would accept those fields.
 */
export function passesFastCheck(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const v = value;
  return !(
    !text(v.record_id, 1, 64) ||
    !text(v.request_id, 1, MAX_REQUEST_ID_LENGTH) || !PRINTABLE_ASCII.test(v.request_id) ||
    !text(v.node_id, 1, 128) || !cleanTexts.test(v.node_id) ||
    !text(v.worker_url, 0, 2048) || !httpUrls.test(v.worker_url) ||
    !text(v.routing_policy, 1, 64) || !cleanTexts.test(v.routing_policy) ||
    !STATUSES.has(v.status) ||
    !ms(v.duration_ms) || !ms(v.ttft_ms) || !intIn(v.http_status, 100, 599) || !bool(v.stream) ||
    !optionalText(v.method, 16) || !optionalText(v.path, 2048) || !optionalText(v.model, 256) ||
    !count(v.prompt_tokens) || !count(v.completion_tokens) || !count(v.cached_tokens) || !bool(v.cache_hit) ||
    !fraction(v.cache_hit_rate) || !count(v.queue_size) || !count(v.worker_load) || !fraction(v.prefix_match_rate) ||
    !intIn(v.attempts, 1, Number.MAX_SAFE_INTEGER) || !optionalText(v.error, MAX_ERROR_LENGTH) ||
    !(absent(v.proxy_id) || (text(v.proxy_id, 0, 256) && cleanTexts.test(v.proxy_id))) ||
    !(absent(v.attribution) || ATTRIBUTION_SET.has(v.attribution)) ||
    !intIn(v.dp_rank, 0, 65535) ||
    !(absent(v.decision) || (text(v.decision, 0, 32) && DECISION_NAME.test(v.decision))) ||
    !candidateLoads(v.candidate_loads)
  );
}

export function fastValidateRecord(value: unknown): RecordValidation | undefined {
  if (!passesFastCheck(value)) return undefined;
  const v = value;
  const timestamp = typeof v.timestamp === 'string' || typeof v.timestamp === 'number' ? parseTimeValue(v.timestamp) : undefined;
  if (timestamp === undefined) return undefined;
  // Same shape as zod's output: known keys only, optional ones only when present.
  const record: Record<string, unknown> = {
    record_id: v.record_id, request_id: v.request_id, node_id: v.node_id, worker_url: v.worker_url,
    routing_policy: v.routing_policy, status: v.status, timestamp,
  };
  for (const key of OPTIONAL) if (Object.hasOwn(v, key) && v[key] !== undefined) record[key] = v[key];
  if (Object.hasOwn(v, 'candidate_loads') && v.candidate_loads !== undefined) record.candidate_loads = v.candidate_loads === null ? null : { ...(v.candidate_loads as Record<string, number>) };
  const routing = record as RoutingRecord;
  return { ok: true, record: routing, clamped: clampCachedTokens(routing) };
}
