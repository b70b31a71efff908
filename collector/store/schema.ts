import type { Generated } from 'kysely';

/**
 * The tables as kysely sees them. Times are integer epoch ms (`*_ms`); booleans are 0/1;
 * `traces_view` (migration 003) shows the same rows with ISO 8601 times for the sqlite3 CLI.
 */
export interface TracesTable {
  seq: Generated<number>;
  record_id: string;
  request_id: string;
  node_id: string;
  worker_url: string;
  routing_policy: string;
  status: string;
  timestamp_ms: number;
  received_ms: number;
  duration_ms: number | null;
  ttft_ms: number | null;
  http_status: number | null;
  stream: number | null;
  method: string | null;
  path: string | null;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  cache_hit: number | null;
  cache_hit_rate: number | null;
  queue_size: number | null;
  worker_load: number | null;
  prefix_match_rate: number | null;
  attempts: number | null;
  error: string | null;
  proxy_id: string | null;
  attribution: string | null;
  dp_rank: number | null;
  decision: string | null;
  /** JSON object text: {"node": in-flight, …}. */
  candidate_loads: string | null;
}

/** Figures that outlive retention: `total_requests`, `dropped_records`. */
export interface CountersTable {
  name: string;
  value: number;
}

export interface StoreSchema {
  traces: TracesTable;
  counters: CountersTable;
}

export type TraceRow = {
  [K in keyof TracesTable]: TracesTable[K] extends Generated<infer T> ? T : TracesTable[K];
};
