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
  /** Records per attribution value (how the worker was learned: exact or inferred). */
  attribution: Record<Attribution, number>;
  /** Records per routing decision branch (records without a decision are not counted). */
  decisions: Record<string, number>;
  /** Over the records that carry a predicted prefix_match_rate: the prediction beside the real hit rate. */
  decision_quality: {
    records: number;
    predicted_prefix_match_rate: number | null;
    /** Token-weighted sum(cached) / sum(prompt) over those same records. */
    cache_hit_rate: number | null;
  };
}

/** The nodes beyond `?nodes=` (default 100), summed. */
export interface OtherNodes {
  nodes: number;
  requests: number;
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
  /** True when more nodes hold records than `?nodes=` shows; `other_nodes` sums the rest. */
  nodes_truncated: boolean;
  other_nodes: OtherNodes | null;
  /** Records whose cached_tokens exceeded prompt_tokens and were clamped to it at ingest. */
  cached_tokens_clamped: number;
  /**
   * The `?window=` applied (null without one): it starts at a 60 s rollup boundary, `since`.
   * Every figure follows it except those listed in `global`.
   */
  window: { seconds: number; since: string; global: string[] } | null;
}

/** `GET /v1/traces/timeseries`: columns a chart library plots as they are. */
export interface TimeseriesNode {
  requests: number[];
  completed: number[];
  failed: number[];
  cancelled: number[];
  timeout: number[];
  /** failed + timeout */
  errors: number[];
  /** Records with attempts > 1. */
  retries: number[];
  cache_hit_rate: Array<number | null>;
  prefix_match_rate: Array<number | null>;
  avg_queue_size: Array<number | null>;
  p50_duration_ms: Array<number | null>;
  p95_duration_ms: Array<number | null>;
  p50_ttft_ms: Array<number | null>;
  p95_ttft_ms: Array<number | null>;
  p50_duration_ms_hit: Array<number | null>;
  p50_duration_ms_miss: Array<number | null>;
  p95_duration_ms_hit: Array<number | null>;
  p95_duration_ms_miss: Array<number | null>;
  p50_ttft_ms_hit: Array<number | null>;
  p50_ttft_ms_miss: Array<number | null>;
  p95_ttft_ms_hit: Array<number | null>;
  p95_ttft_ms_miss: Array<number | null>;
  decisions: Record<string, number[]>;
}

export interface Timeseries {
  window: number;
  step: number;
  /** ISO 8601: the first bucket's start and the last bucket's end. */
  from: string;
  to: string;
  /** Bucket starts, epoch seconds. */
  timestamps: number[];
  nodes: Record<string, TimeseriesNode>;
  /** True when more nodes had records than `?nodes=` (default 50) shows. */
  nodes_truncated: boolean;
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
