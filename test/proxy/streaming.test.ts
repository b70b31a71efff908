import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { request } from '../helpers/http.js';
import { startHttpWorker } from '../helpers/http-worker.js';
import { jsonEvents, postSse } from '../helpers/sse.js';
import { startStack, startTestProxy } from '../helpers/stack.js';

describe('streaming through the proxy', async () => {
  // 100 tokens/s: a 20-token answer takes ~200 ms, so early chunks are visibly early.
  const stack = await startStack({ workers: 1, sim: { decodeTokensPerSec: 100 } });

  it('passes /generate chunks through as they are made, and records the final usage', async () => {
    const result = await postSse(`${stack.proxy.url}/generate`, { text: 'Tell me a story about routers', sampling_params: { max_new_tokens: 20 }, stream: true }, { 'x-request-id': 'stream-1' });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('text/event-stream');
    expect(result.headers['content-encoding']).toBeUndefined();
    expect(result.events).toHaveLength(22); // 20 tokens, the final meta_info, [DONE]
    const final = jsonEvents(result).at(-1) as { meta_info: { prompt_tokens: number; completion_tokens: number; cached_tokens: number } };

    const [trace] = await stack.traces('?request_id=stream-1');
    expect(trace).toMatchObject({
      status: 'completed', stream: true, http_status: 200,
      prompt_tokens: final.meta_info.prompt_tokens, completion_tokens: 20, cached_tokens: final.meta_info.cached_tokens,
    });
  });

  it('delivers the first chunk while the worker still holds the rest, and records its time to first token before the end', async () => {
    // The worker sends one chunk, then waits until the client has it: a proxy that buffered
    // would never let the client see it, and the request would never end.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const worker = await startHttpWorker((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ text: 'first', meta_info: { completion_tokens: 1 } })}\n\n`);
      void released.then(() => {
        res.write(`data: ${JSON.stringify({ text: 'first second', meta_info: { prompt_tokens: 4, completion_tokens: 2, cached_tokens: 0 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    });
    const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: stack.collector.url });
    const result = await postSse(`${proxy.url}/generate`, { text: 'hold on', stream: true }, { 'x-request-id': 'gated-1' }, () => release());
    expect({ status: result.status, events: result.events.length, truncated: result.truncated }).toEqual({ status: 200, events: 3, truncated: false });

    await proxy.exporter?.forceFlush();
    const [trace] = (await request(`${stack.collector.url}/v1/traces?request_id=gated-1`)).json as StoredTrace[];
    expect(trace).toMatchObject({ status: 'completed', stream: true, prompt_tokens: 4, completion_tokens: 2 });
    // The first chunk was timed when it passed, before the worker was let go: strictly earlier than the end.
    expect(Number(trace?.ttft_ms)).toBeLessThan(Number(trace?.duration_ms));
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
