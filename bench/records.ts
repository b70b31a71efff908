import type { RoutingRecordInput } from '#shared/record.js';

/** A realistic record (the proxy's full field set), numbered for unique ids. */
export function benchRecord(prefix: string, i: number, timestamp = Date.now()): RoutingRecordInput {
  return {
    record_id: `${prefix}-${i}`,
    request_id: `req-${prefix}-${i}`,
    node_id: `worker-${i % 4}`,
    worker_url: `http://10.0.0.${i % 4}:30001`,
    routing_policy: 'cache_aware',
    status: i % 50 === 0 ? 'failed' : 'completed',
    timestamp,
    duration_ms: 100 + (i % 400),
    ttft_ms: 20 + (i % 50),
    http_status: 200,
    stream: i % 2 === 0,
    method: 'POST',
    path: '/generate',
    model: 'llama-3-8b',
    prompt_tokens: 400,
    completion_tokens: 64,
    cached_tokens: i % 3 === 0 ? 0 : 320,
    cache_hit: i % 3 !== 0,
    cache_hit_rate: i % 3 === 0 ? 0 : 0.8,
    queue_size: i % 7,
    worker_load: i % 3,
    prefix_match_rate: 0.75,
    attempts: 1,
    proxy_id: 'bench-proxy',
    attribution: 'proxy',
  };
}
