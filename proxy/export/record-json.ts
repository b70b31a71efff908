import { isRecord } from '#shared/guards.js';
import {
  ATTRIBUTIONS, DECISION_NAME, isCleanText, MAX_CANDIDATE_LOADS, MAX_ERROR_LENGTH, MAX_REQUEST_ID_LENGTH, PRINTABLE_ASCII, TRACE_STATUSES,
  type RoutingRecordInput,
} from '#shared/record.js';
import { parseTimeValue } from '#shared/time.js';
import { isHttpUrl } from '#shared/url.js';

/**
 * A record's JSON text, written field by field while checking each field with the predicates of
 * the collector's fast check (`shared/record-fast-path.ts`); undefined when any field is one
 * that check would not settle, and the exporter then runs the full schema on the object (which
 * also writes the error). So the proxy still never sends what the collector would refuse, and
 * checks and serialises in one pass: the fast check plus JSON.stringify cost ~4.5 µs per record,
 * this ~1.2 µs (micro-benchmark, Node 24). test/proxy/unit/record-json.test.ts holds it to the schema.
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

/** Appends `,"key":<json>`; `undefined` fields are left out, as JSON.stringify does. */
class Writer {
  out = '';
  bad = false;

  raw(key: string, json: string): void {
    this.out += `,"${key}":${json}`;
  }

  /** An optional value: absent, or `ok`; written as JSON.stringify would. */
  field(key: string, value: unknown, ok: boolean): void {
    if (value === undefined) return;
    if (value === null) return this.raw(key, 'null');
    if (ok && typeof value === 'string') return this.raw(key, JSON.stringify(value));
    if (ok && (typeof value === 'number' || typeof value === 'boolean')) return this.raw(key, String(value));
    this.bad = true;
  }

  count(key: string, value: unknown): void {
    this.field(key, value, isCount(value));
  }

  ms(key: string, value: unknown): void {
    this.field(key, value, typeof value === 'number' && Number.isFinite(value) && value >= 0);
  }

  fraction(key: string, value: unknown): void {
    this.field(key, value, typeof value === 'number' && value >= 0 && value <= 1);
  }

  intIn(key: string, value: unknown, min: number, max: number): void {
    this.field(key, value, Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max);
  }

  bool(key: string, value: unknown): void {
    this.field(key, value, typeof value === 'boolean');
  }

  text(key: string, value: unknown, max: number): void {
    this.field(key, value, text(value, 0, max));
  }
}

function candidateLoadsJson(value: unknown): string | undefined {
  if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const keys = Object.keys(value);
  if (keys.length > MAX_CANDIDATE_LOADS) return undefined;
  let json = '';
  for (const key of keys) {
    const load = value[key];
    if (key === '__proto__' || !text(key, 1, 128) || !cleanText(key) || !isCount(load)) return undefined;
    json += `${json === '' ? '' : ','}${JSON.stringify(key)}:${String(load)}`;
  }
  return `{${json}}`;
}

export function recordJson(record: RoutingRecordInput): string | undefined {
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
    return undefined;
  }
  const w = new Writer();
  w.out = `{"record_id":${JSON.stringify(recordId)},"request_id":${JSON.stringify(requestId)},"node_id":${JSON.stringify(nodeId)},"worker_url":${JSON.stringify(workerUrl)},"routing_policy":${JSON.stringify(policy)},"status":"${String(status)}","timestamp":${typeof timestamp === 'string' ? JSON.stringify(timestamp) : String(timestamp)}`;
  w.ms('duration_ms', r.duration_ms);
  w.ms('ttft_ms', r.ttft_ms);
  w.intIn('http_status', r.http_status, 100, 599);
  w.bool('stream', r.stream);
  w.text('method', r.method, 16);
  w.text('path', r.path, 2048);
  w.text('model', r.model, 256);
  w.count('prompt_tokens', r.prompt_tokens);
  w.count('completion_tokens', r.completion_tokens);
  w.count('cached_tokens', r.cached_tokens);
  w.bool('cache_hit', r.cache_hit);
  w.fraction('cache_hit_rate', r.cache_hit_rate);
  w.count('queue_size', r.queue_size);
  w.count('worker_load', r.worker_load);
  w.fraction('prefix_match_rate', r.prefix_match_rate);
  w.intIn('attempts', r.attempts, 1, Number.MAX_SAFE_INTEGER);
  w.text('error', r.error, MAX_ERROR_LENGTH);
  w.field('proxy_id', r.proxy_id, text(r.proxy_id, 0, 256) && cleanText(r.proxy_id));
  w.field('attribution', r.attribution, ATTRIBUTION_SET.has(r.attribution));
  w.intIn('dp_rank', r.dp_rank, 0, 65535);
  w.field('decision', r.decision, text(r.decision, 0, 32) && DECISION_NAME.test(r.decision));
  const loads = r.candidate_loads;
  if (loads === null) w.raw('candidate_loads', 'null');
  else if (loads !== undefined) {
    const json = candidateLoadsJson(loads);
    if (json === undefined) return undefined;
    w.raw('candidate_loads', json);
  }
  return w.bad ? undefined : `${w.out}}`;
}
