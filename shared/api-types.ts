import type { Attribution, TraceStatus } from './record.js';

/**
 * A stored record as the read API returns it. Every field is always present (null when
 * unknown), so the shape is stable for jq, pandas and typed clients alike. The first eight
 * fields are the seed's `/v1/traces/{id}` shape, in its order.
 */
export interface StoredTrace {
  request_id: string;
  node_id: string;
  worker_url: string;
  routing_policy: string;
  status: TraceStatus;
  /** When the request was routed, ISO 8601 UTC. */
  timestamp: string;
  cache_hit_rate: number | null;
  queue_size: number | null;
  cache_hit: boolean | null;
  cached_tokens: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  worker_load: number | null;
  prefix_match_rate: number | null;
  duration_ms: number | null;
  ttft_ms: number | null;
  http_status: number | null;
  stream: boolean | null;
  method: string | null;
  path: string | null;
  model: string | null;
  attempts: number | null;
  error: string | null;
  attribution: Attribution | null;
  /** Data-parallel rank of the serving worker, when the router named one (`URL@rank`). */
  dp_rank: number | null;
  /** The routing policy's branch (see DECISIONS in record.ts); null when not routed by routetrace. */
  decision: string | null;
  /** In-flight requests per candidate node when the decision was made. */
  candidate_loads: Record<string, number> | null;
  proxy_id: string | null;
  record_id: string;
  /** Monotonic store sequence: the paging cursor (`before=<seq>`). */
  seq: number;
  /** When the collector stored it, ISO 8601 UTC. */
  received_at: string;
}

export interface NodeStats {
  worker_url: string;
  requests: number;
  /** Token-weighted: sum(cached_tokens) / sum(prompt_tokens) over records reporting both. */
  cache_hit_rate: number | null;
  avg_queue_size: number | null;
  p50_duration_ms: number | null;
  p95_duration_ms: number | null;
  /** Records whose status is `failed` or `timeout`. */
  errors: number;
}

export interface TraceStats {
  total_requests: number;
  active_traces: number;
  requests_per_node: Record<string, number>;
  requests_per_status: Record<string, number>;
  nodes: Record<string, NodeStats>;
  oldest: string | null;
  newest: string | null;
  retention: { max_trace_entries: number; trace_ttl_seconds: number };
  dropped_records: number;
}

export interface ListQuery {
  limit?: number;
  before?: number;
  node_id?: string;
  worker_url?: string;
  status?: TraceStatus;
  routing_policy?: string;
  request_id?: string;
  decision?: string;
  /** ISO 8601 or epoch ms; inclusive. */
  since?: string | number;
  /** ISO 8601 or epoch ms; exclusive. */
  until?: string | number;
}
