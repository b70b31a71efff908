import { passesFastCheck } from '#shared/record-fast-path.js';
import { parseTimeValue } from '#shared/time.js';
import type { InsertRow } from '../store/row-mapping.js';

/** What a record the fast check vouches for becomes: its row, and whether cached_tokens was clamped. */
export interface FastRow {
  row: InsertRow;
  clamped: boolean;
}

type Value = string | number | null;
const value = (field: unknown): Value => (typeof field === 'string' || typeof field === 'number' ? field : null);
const flag = (field: unknown): number | null => (typeof field === 'boolean' ? (field ? 1 : 0) : null);

/**
 * The ingest hot path: the row `recordToRow(fastValidateRecord(value).record)` would give, built
 * straight from the parsed JSON without the validated record in between (measured 6.0 → 2.2 µs
 * per record). Undefined when the fast check cannot vouch for the record: the caller then runs
 * the zod schema, which also words the errors. test/collector/fast-row.test.ts holds the two
 * paths to the same rows.
 */
export function fastRow(candidate: unknown, receivedMs: number, fallbackProxyId: string | undefined): FastRow | undefined {
  if (!passesFastCheck(candidate)) return undefined;
  const v = candidate;
  const timestamp = typeof v.timestamp === 'string' || typeof v.timestamp === 'number' ? parseTimeValue(v.timestamp) : undefined;
  if (timestamp === undefined) return undefined;
  // The fast check has made every field below a string, a number, a boolean, null or absent.
  const prompt = value(v.prompt_tokens);
  let cached = value(v.cached_tokens);
  // As clampCachedTokens does to a validated record (shared/record.ts).
  const clamped = typeof prompt === 'number' && typeof cached === 'number' && cached > prompt;
  if (clamped) cached = prompt;
  const loads = v.candidate_loads;
  // Same order as INSERT_COLUMNS (row-mapping.ts).
  const row: InsertRow = [
    value(v.record_id), value(v.request_id), value(v.node_id), value(v.worker_url), value(v.routing_policy), value(v.status), timestamp,
    receivedMs, value(v.duration_ms), value(v.ttft_ms), value(v.http_status), flag(v.stream), value(v.method),
    value(v.path), value(v.model), prompt, value(v.completion_tokens), cached,
    flag(v.cache_hit), value(v.cache_hit_rate), value(v.queue_size), value(v.worker_load),
    value(v.prefix_match_rate), value(v.attempts), value(v.error), value(v.proxy_id) ?? fallbackProxyId ?? null,
    value(v.attribution), value(v.dp_rank), value(v.decision),
    // A plain object of counts (checked): its JSON is the validated copy's JSON.
    loads === undefined || loads === null ? null : JSON.stringify(loads),
  ];
  return { row, clamped };
}
