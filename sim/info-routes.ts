import type { ServerResponse } from 'node:http';
import type { SimEngine } from './engine.js';
import { sendJson, sendText } from './http-io.js';
import type { SimConfig } from './options.js';

function metricsText(engine: SimEngine, options: SimConfig): string {
  const labels = `{model_name="${options.model}"}`;
  const hitRate = engine.promptTokensTotal > 0 ? engine.cachedTokensTotal / engine.promptTokensTotal : 0;
  return [
    '# HELP sglang:num_running_reqs The number of running requests.', '# TYPE sglang:num_running_reqs gauge', `sglang:num_running_reqs${labels} ${engine.scheduler.running}`,
    '# HELP sglang:num_queue_reqs The number of requests in the waiting queue.', '# TYPE sglang:num_queue_reqs gauge', `sglang:num_queue_reqs${labels} ${engine.scheduler.waiting}`,
    '# HELP sglang:cache_hit_rate The prefix cache hit rate.', '# TYPE sglang:cache_hit_rate gauge', `sglang:cache_hit_rate${labels} ${hitRate}`,
    '# HELP sglang:prompt_tokens_total Number of prefill tokens processed.', '# TYPE sglang:prompt_tokens_total counter', `sglang:prompt_tokens_total${labels} ${engine.promptTokensTotal}`,
    '# HELP sglang:generation_tokens_total Number of generation tokens processed.', '# TYPE sglang:generation_tokens_total counter', `sglang:generation_tokens_total${labels} ${engine.generationTokensTotal}`,
    '',
  ].join('\n');
}

/**
 * SGLang's status endpoints (health, load, model and server info, models, cache flush, metrics),
 * answered from the engine's state. Returns false for a route that is not one of them.
 */
export function answerInfoRoute(route: string, res: ServerResponse, engine: SimEngine, options: SimConfig, port: number): boolean {
  switch (route) {
    case 'GET /health':
    case 'GET /health_generate':
      sendText(res, options.faults.unhealthy ? 503 : 200, '');
      return true;
    case 'GET /get_load':
      sendJson(res, 200, [{ dp_rank: 0, num_reqs: engine.scheduler.running + engine.scheduler.waiting, num_waiting_reqs: engine.scheduler.waiting, num_tokens: engine.activeTokens }]);
      return true;
    case 'GET /v1/loads':
      sendJson(res, 200, {
        timestamp: new Date().toISOString(), version: '0.0.0-sim', accelerator: 'sim', num_accelerators: 1,
        loads: [{
          dp_rank: 0, num_running_reqs: engine.scheduler.running, num_waiting_reqs: engine.scheduler.waiting,
          num_used_tokens: engine.activeTokens, num_total_tokens: options.cacheCapacityTokens,
          token_usage: engine.activeTokens / options.cacheCapacityTokens, gen_throughput: 0,
        }],
      });
      return true;
    case 'GET /get_model_info':
      sendJson(res, 200, { model_path: options.model, tokenizer_path: options.model, is_generation: true, preferred_sampling_params: null, weight_version: 'default' });
      return true;
    case 'GET /get_server_info':
      sendJson(res, 200, {
        model_path: options.model, host: options.host, port, served_model_name: options.model,
        max_running_requests: options.maxRunningRequests, enable_cache_report: options.enableCacheReport,
        decode_tokens_per_sec: options.decodeTokensPerSec, cache_capacity_tokens: options.cacheCapacityTokens, version: '0.0.0-sim',
      });
      return true;
    case 'GET /v1/models':
      sendJson(res, 200, { object: 'list', data: [{ id: options.model, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'sglang', root: options.model, max_model_len: 8192 }] });
      return true;
    case 'GET /flush_cache':
    case 'POST /flush_cache':
      engine.cache.clear();
      sendText(res, 200, 'Cache flushed.\n');
      return true;
    case 'GET /metrics':
      sendText(res, 200, metricsText(engine, options), 'text/plain; version=0.0.4; charset=utf-8');
      return true;
    default:
      return false;
  }
}
