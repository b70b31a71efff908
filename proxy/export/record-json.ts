import { isRecord } from '#shared/guards.js';
import {
  ATTRIBUTIONS, DECISION_NAME, isCleanText, MAX_CANDIDATE_LOADS, MAX_ERROR_LENGTH, MAX_REQUEST_ID_LENGTH, PRINTABLE_ASCII, TRACE_STATUSES,
  type RoutingRecordInput,
} from '#shared/record.js';
import { parseTimeValue } from '#shared/time.js';
import { isHttpUrl } from '#shared/url.js';
import { JsonBytes } from './json-bytes.js';

/**
 * A record's JSON, written field by field as UTF-8 bytes while checking each field with the
 * predicates of the collector's fast check (`shared/record-fast-path.ts`); refused when any field
 * is one that check would not settle, and the exporter then runs the full schema on the object
 * (which also writes the error). So the proxy still never sends what the collector would refuse,
 * and checks and serialises in one pass. Written as a string built field by field this cost
 * ~2.7 µs per record (micro-benchmark, Node 24: JSON.stringify alone 1.4); as bytes, see
 * json-bytes.ts. test/proxy/unit/record-json.test.ts holds it to the schema.
 *
 * Fields the collector ignores (unknown keys) are left out, as the collector drops them.
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

/**
 * Appends `<prefix><json>` to the bytes, the prefix a literal `,"key":` (no string built per
 * field); `undefined` fields are left out, as JSON.stringify does.
 */
class Writer {
  readonly out: JsonBytes;
  bad = false;

  constructor(out: JsonBytes) {
    this.out = out;
  }

  /** An optional value: absent, or `ok`; written as JSON.stringify would. */
  field(prefix: string, value: unknown, ok: boolean): void {
    if (value === undefined) return;
    if (value !== null && !ok) {
      this.bad = true;
      return;
    }
    this.out.raw(prefix);
    if (value === null) this.out.raw('null');
    else if (typeof value === 'string') this.out.string(value);
    else if (typeof value === 'number') this.out.number(value);
    else if (typeof value === 'boolean') this.out.raw(value ? 'true' : 'false');
    else this.bad = true;
  }

  count(prefix: string, value: unknown): void {
    this.field(prefix, value, isCount(value));
  }

  ms(prefix: string, value: unknown): void {
    this.field(prefix, value, typeof value === 'number' && Number.isFinite(value) && value >= 0);
  }

  fraction(prefix: string, value: unknown): void {
    this.field(prefix, value, typeof value === 'number' && value >= 0 && value <= 1);
  }

  intIn(prefix: string, value: unknown, min: number, max: number): void {
    this.field(prefix, value, Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max);
  }

  bool(prefix: string, value: unknown): void {
    this.field(prefix, value, typeof value === 'boolean');
  }

  text(prefix: string, value: unknown, max: number): void {
    this.field(prefix, value, text(value, 0, max));
  }
}

/** Writes `{…}` of candidate loads; false when the value is not one the fast check settles. */
function writeCandidateLoads(value: unknown, out: JsonBytes): boolean {
  if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  if (keys.length > MAX_CANDIDATE_LOADS) return false;
  out.raw(',"candidate_loads":{');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const load = value[key];
    if (key === '__proto__' || !text(key, 1, 128) || !cleanText(key) || !isCount(load)) return false;
    if (i > 0) out.raw(',');
    out.string(key);
    out.raw(':');
    out.number(load);
  }
  out.raw('}');
  return true;
}

/**
 * Writes the record's JSON into `out` from `out.at`; false when a field is one the fast check
 * would not settle (nothing usable was written then). `out.full` tells a record that did not fit.
 */
export function writeRecordJson(record: RoutingRecordInput, out: JsonBytes): boolean {
  const r = record as Record<string, unknown>;
  const { record_id: recordId, request_id: requestId, node_id: nodeId, worker_url: workerUrl, routing_policy: policy, status, timestamp } = r;
  if (
    !text(recordId, 1, 64) ||
    !text(requestId, 1, MAX_REQUEST_ID_LENGTH) || !PRINTABLE_ASCII.test(requestId) ||
    !text(nodeId, 1, 128) || !cleanText(nodeId) ||
    !text(workerUrl, 0, 2048) || !httpUrl(workerUrl) ||
    !text(policy, 1, 64) || !cleanText(policy) ||
    !STATUSES.has(status) ||
    !(typeof timestamp === 'number' || typeof timestamp === 'string') || parseTimeValue(timestamp) === undefined
  ) {
    return false;
  }
  out.raw('{"record_id":');
  out.string(recordId);
  out.raw(',"request_id":');
  out.string(requestId);
  out.raw(',"node_id":');
  out.string(nodeId);
  out.raw(',"worker_url":');
  out.string(workerUrl);
  out.raw(',"routing_policy":');
  out.string(policy);
  out.raw(',"status":');
  out.string(status as string);
  out.raw(',"timestamp":');
  if (typeof timestamp === 'string') out.string(timestamp);
  else out.number(timestamp);
  const w = new Writer(out);
  w.ms(',"duration_ms":', r.duration_ms);
  w.ms(',"ttft_ms":', r.ttft_ms);
  w.intIn(',"http_status":', r.http_status, 100, 599);
  w.bool(',"stream":', r.stream);
  w.text(',"method":', r.method, 16);
  w.text(',"path":', r.path, 2048);
  w.text(',"model":', r.model, 256);
  w.count(',"prompt_tokens":', r.prompt_tokens);
  w.count(',"completion_tokens":', r.completion_tokens);
  w.count(',"cached_tokens":', r.cached_tokens);
  w.bool(',"cache_hit":', r.cache_hit);
  w.fraction(',"cache_hit_rate":', r.cache_hit_rate);
  w.count(',"queue_size":', r.queue_size);
  w.count(',"worker_load":', r.worker_load);
  w.fraction(',"prefix_match_rate":', r.prefix_match_rate);
  w.intIn(',"attempts":', r.attempts, 1, Number.MAX_SAFE_INTEGER);
  w.text(',"error":', r.error, MAX_ERROR_LENGTH);
  w.field(',"proxy_id":', r.proxy_id, text(r.proxy_id, 0, 256) && cleanText(r.proxy_id));
  w.field(',"attribution":', r.attribution, ATTRIBUTION_SET.has(r.attribution));
  w.intIn(',"dp_rank":', r.dp_rank, 0, 65535);
  w.field(',"decision":', r.decision, text(r.decision, 0, 32) && DECISION_NAME.test(r.decision));
  const loads = r.candidate_loads;
  if (loads === null) out.raw(',"candidate_loads":null');
  else if (loads !== undefined && !writeCandidateLoads(loads, out)) return false;
  out.raw('}');
  return !w.bad;
}

/** Room for any record the checks above let through (strings at their maxima, escaped). */
let scratch = Buffer.allocUnsafe(64 * 1024);
const scratchOut = new JsonBytes(scratch);

/** The record's JSON text (see writeRecordJson), or undefined when the fast check would not settle it. */
export function recordJson(record: RoutingRecordInput): string | undefined {
  for (;;) {
    scratchOut.reset(scratch, 0);
    const ok = writeRecordJson(record, scratchOut);
    if (!scratchOut.full) return ok ? scratch.toString('utf8', 0, scratchOut.at) : undefined;
    scratch = Buffer.allocUnsafe(scratch.length * 2);
  }
}
