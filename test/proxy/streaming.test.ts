import { describe, expect, it } from 'vitest';
import { jsonEvents, postSse } from '../helpers/sse.js';
import { startStack } from '../helpers/stack.js';

describe('streaming through the proxy', async () => {
  // 100 tokens/s: a 20-token answer takes ~200 ms, so early chunks are visibly early.
  const stack = await startStack({ workers: 1, sim: { decodeTokensPerSec: 100 } });

  it('passes /generate chunks through as they are made, and records the final usage', async () => {
    const result = await postSse(`${stack.proxy.url}/generate`, { text: 'Tell me a story about routers', sampling_params: { max_new_tokens: 20 }, stream: true }, { 'x-request-id': 'stream-1' });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('text/event-stream');
    expect(result.headers['content-encoding']).toBeUndefined();
    expect(result.events).toHaveLength(22); // 20 tokens, the final meta_info, [DONE]
    // The first chunk reached the client long before the worker finished.
    expect((result.eventTimes.at(-1) ?? 0) - (result.eventTimes[0] ?? 0)).toBeGreaterThan(120);
    const final = jsonEvents(result).at(-1) as { meta_info: { prompt_tokens: number; completion_tokens: number; cached_tokens: number } };

    const [trace] = await stack.traces('?request_id=stream-1');
    expect(trace).toMatchObject({
      status: 'completed', stream: true, http_status: 200,
      prompt_tokens: final.meta_info.prompt_tokens, completion_tokens: 20, cached_tokens: final.meta_info.cached_tokens,
    });
    expect(trace?.ttft_ms).toBeLessThan(Number(trace?.duration_ms) - 100);
  });

  it('records usage from an OpenAI chat stream with include_usage, including cached tokens', async () => {
    const request = { messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Name three rivers in Europe.' }], max_tokens: 3, stream: true, stream_options: { include_usage: true } };
    await postSse(`${stack.proxy.url}/v1/chat/completions`, request, { 'x-request-id': 'chat-1' });
    const second = await postSse(`${stack.proxy.url}/v1/chat/completions`, request, { 'x-request-id': 'chat-2' });
    const usage = (jsonEvents(second).at(-1) as { usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } }).usage;
    const [trace] = await stack.traces('?request_id=chat-2');
    expect(trace).toMatchObject({
      path: '/v1/chat/completions', stream: true, status: 'completed', prompt_tokens: usage.prompt_tokens, completion_tokens: 3,
      cached_tokens: usage.prompt_tokens_details.cached_tokens, cache_hit: true, cache_hit_rate: usage.prompt_tokens_details.cached_tokens / usage.prompt_tokens,
      model: 'sim/llama-3-8b-instruct',
    });
  });

  it('leaves cache fields empty when the worker does not report cached tokens', async () => {
    await postSse(`${stack.proxy.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'brand new prompt xyz' }], max_tokens: 1, stream: true }, { 'x-request-id': 'chat-no-usage' });
    const [trace] = await stack.traces('?request_id=chat-no-usage');
    expect(trace).toMatchObject({ status: 'completed', prompt_tokens: null, cached_tokens: null, cache_hit: null, cache_hit_rate: null });
  });
});
