/** Rollup sums grouped by node, as SQL returns them (integers; sums of no rows are 0). */
export interface NodeSums {
  node_id: string;
  requests: number;
  completed: number;
  failed: number;
  cancelled: number;
  timeout: number;
  cached_sum: number;
  prompt_sum: number;
  queue_sum: number;
  queue_count: number;
  match_count: number;
  match_sum: number;
  match_cached_sum: number;
  match_prompt_sum: number;
}

export const NODE_SUMS_SELECT = `node_id, sum(requests) AS requests, sum(completed) AS completed, sum(failed) AS failed,
  sum(cancelled) AS cancelled, sum(timeout) AS timeout, sum(cached_sum) AS cached_sum, sum(prompt_sum) AS prompt_sum,
  sum(queue_sum) AS queue_sum, sum(queue_count) AS queue_count, sum(match_count) AS match_count, sum(match_sum) AS match_sum,
  sum(match_cached_sum) AS match_cached_sum, sum(match_prompt_sum) AS match_prompt_sum`;

export const ratio = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);
