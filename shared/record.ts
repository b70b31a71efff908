import { z } from 'zod';
import { parseTimeValue } from './time.js';
import { isHttpUrl } from './url.js';

/**
 * The routing record: one per request that passed through a proxy. This schema is the contract
 * between proxy and collector. README.md's field table is written by hand;
 * test/shared/readme-record-table.test.ts fails when its fields or required marks drift from this schema.
 * Unknown fields are dropped (forward compatible); `null` counts as absent.
 */
export const TRACE_STATUSES = ['completed', 'failed', 'cancelled', 'timeout'] as const;
export type TraceStatus = (typeof TRACE_STATUSES)[number];

export const ATTRIBUTIONS = ['proxy', 'header', 'router', 'inferred'] as const;
export type Attribution = (typeof ATTRIBUTIONS)[number];

/**
 * Why the proxy chose the worker: the policy's branch. Names follow SGLang Model Gateway's
 * cache-aware log lines where the meaning matches (`tree_match`, `min_load`), so a record and
 * the gateway's logs speak the same language; the proxy's `decisions_total` metric uses the
 * same names. Other producers may send other lower_snake_case names.
 */
export const DECISIONS = ['tree_match', 'smallest_tree', 'min_load', 'imbalance', 'two_choices', 'round_robin', 'random', 'retry'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Candidates listed in `candidate_loads` at most (a record stays small on a large fleet). */
export const MAX_CANDIDATE_LOADS = 64;

export const MAX_REQUEST_ID_LENGTH = 256;
export const DECISION_NAME = /^[a-z][a-z0-9_]*$/;
export const MAX_ERROR_LENGTH = 2048;

export const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** 1–256 printable ASCII characters: safe to echo in a header and to put in a URL path. */
export function isValidRequestId(value: string): boolean {
  return value.length >= 1 && value.length <= MAX_REQUEST_ID_LENGTH && PRINTABLE_ASCII.test(value);
}

/**
 * Text that SQLite stores as valid UTF-8 and every client can print: no lone UTF-16 surrogate
 * (stored as invalid UTF-8) and no NUL (C tools cut the string there). Issue 14 item 9.
 */
export function isCleanText(value: string): boolean {
  // In a /u regex a surrogate pair is one code point: \p{Cs} matches only a lone half.
  return !value.includes('\u0000') && !/\p{Cs}/u.test(value);
}
const CLEAN_TEXT_MESSAGE = 'must not contain NUL or a lone UTF-16 surrogate';

const count = z.int().nonnegative().nullish();
const milliseconds = z.number().nonnegative().nullish();
const fraction = z.number().min(0).max(1).nullish();

export const routingRecordSchema = z.object({
  record_id: z.string().min(1).max(64),
  request_id: z
    .string()
    .min(1)
    .max(MAX_REQUEST_ID_LENGTH)
    .regex(PRINTABLE_ASCII, 'must be printable ASCII'),
  node_id: z.string().min(1).max(128).refine(isCleanText, CLEAN_TEXT_MESSAGE),
  worker_url: z.string().max(2048).refine(isHttpUrl, 'must be an http(s) URL'),
  routing_policy: z.string().min(1).max(64).refine(isCleanText, CLEAN_TEXT_MESSAGE),
  status: z.enum(TRACE_STATUSES),
  timestamp: z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseTimeValue(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be ISO 8601 with an offset (e.g. 2026-01-31T12:00:00Z) or epoch milliseconds',
      });
      return z.NEVER;
    }
    return ms;
  }),
  duration_ms: milliseconds,
  ttft_ms: milliseconds,
  http_status: z.int().min(100).max(599).nullish(),
  stream: z.boolean().nullish(),
  method: z.string().max(16).nullish(),
  path: z.string().max(2048).nullish(),
  model: z.string().max(256).nullish(),
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count,
  cache_hit: z.boolean().nullish(),
  cache_hit_rate: fraction,
  queue_size: count,
  worker_load: count,
  prefix_match_rate: fraction,
  attempts: z.int().min(1).nullish(),
  error: z.string().max(MAX_ERROR_LENGTH).nullish(),
  proxy_id: z.string().max(256).refine(isCleanText, CLEAN_TEXT_MESSAGE).nullish(),
  attribution: z.enum(ATTRIBUTIONS).nullish(),
  /** Data-parallel rank behind the worker URL (SGLang Model Gateway's `URL@rank`). */
  dp_rank: z.int().min(0).max(65535).nullish(),
  decision: z.string().max(32).regex(DECISION_NAME, 'must be a lower_snake_case branch name').nullish(),
  /** In-flight requests per candidate node at decision time, e.g. {"worker-0": 3, "worker-1": 1}. */
  candidate_loads: z
    .record(z.string().min(1).max(128).refine(isCleanText, CLEAN_TEXT_MESSAGE), z.int().nonnegative())
    .refine((loads) => Object.keys(loads).length <= MAX_CANDIDATE_LOADS, `at most ${MAX_CANDIDATE_LOADS} candidates`)
    .nullish(),
});

/** What a proxy sends: `timestamp` as ISO 8601 text or epoch ms. */
export type RoutingRecordInput = z.input<typeof routingRecordSchema>;
/** A validated record: `timestamp` normalised to epoch ms. */
export type RoutingRecord = z.output<typeof routingRecordSchema>;

export type RecordValidation =
  /** `clamped`: cached_tokens exceeded prompt_tokens (impossible) and was set to prompt_tokens. */
  | { ok: true; record: RoutingRecord; clamped: boolean }
  | { ok: false; error: string };

/** Sets cached_tokens to prompt_tokens when it exceeds it (impossible); true when it did. */
export function clampCachedTokens(record: RoutingRecord): boolean {
  const prompt = record.prompt_tokens;
  const cached = record.cached_tokens;
  const clamped = prompt !== undefined && prompt !== null && cached !== undefined && cached !== null && cached > prompt;
  if (clamped) record.cached_tokens = prompt;
  return clamped;
}

/**
 * Validates one record; the error names each offending field (`field: reason; …`). A worker
 * that reports more cached than prompt tokens gets its cached_tokens clamped (and the caller
 * counts it), so no aggregate hit rate can exceed 1 (issue 14 item 5).
 */
export function validateRecord(value: unknown): RecordValidation {
  const result = routingRecordSchema.safeParse(value);
  if (result.success) {
    const record = result.data;
    return { ok: true, record, clamped: clampCachedTokens(record) };
  }
  const reasons = result.error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'record';
    return `${where}: ${issue.message}`;
  });
  return { ok: false, error: reasons.join('; ') };
}
