import { afterAll, describe, expect, it } from 'vitest';
import { startSimWorker } from '../../sim/worker.js';
import { tokenize } from '../../sim/tokenizer.js';
import { postJson, request } from '../helpers/http.js';
import { jsonEvents, postSse } from '../helpers/sse.js';

describe('simulated SGLang worker: endpoint shapes', async () => {
  const worker = await startSimWorker({ name: 'worker-0', model: 'sim/test-model' });
  afterAll(() => worker.close());

  it('POST /generate answers text, output_ids and meta_info, with meta_info.id = rid', async () => {
    const response = await postJson(`${worker.url}/generate`, { text: 'Hello world, how are you?', sampling_params: { max_new_tokens: 4 }, rid: 'rid-1' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json).toEqual({
      text: 'a streams request tokens',
      output_ids: [18220, 26468, 14976, 2341],
      meta_info: {
        id: 'rid-1',
        finish_reason: { type: 'length', length: 4 },
        prompt_tokens: 7,
        completion_tokens: 4,
        cached_tokens: 0,
        e2e_latency: expect.any(Number),
        weight_version: 'default',
        num_retractions: 0,
        reasoning_tokens: 0,
      },
    });
    expect(worker.stats().rids).toContain('rid-1');
  });

  it('POST /generate takes input_ids and batches, and generates an id without rid', async () => {
    const single = await postJson(`${worker.url}/generate`, { input_ids: [1, 2, 3], sampling_params: { max_new_tokens: 1 } });
    expect(single.json).toMatchObject({ meta_info: { prompt_tokens: 3, completion_tokens: 1 } });
    expect((single.json as { meta_info: { id: string } }).meta_info.id).toMatch(/^[0-9a-f]{32}$/);
    const batch = await postJson(`${worker.url}/generate`, { text: ['one', 'two two'], sampling_params: { max_new_tokens: 1 }, rid: ['b-1', 'b-2'] });
    expect((batch.json as Array<{ meta_info: { id: string; prompt_tokens: number } }>).map((item) => item.meta_info)).toMatchObject([
      { id: 'b-1', prompt_tokens: 1 },
      { id: 'b-2', prompt_tokens: 2 },
    ]);
  });

  it('POST /v1/completions and /v1/chat/completions answer OpenAI shapes with id = rid', async () => {
    const completion = await postJson(`${worker.url}/v1/completions`, { model: 'm', prompt: 'Count: one two three', max_tokens: 2, rid: 'cmpl-rid' });
    expect(completion.json).toEqual({
      id: 'cmpl-rid', object: 'text_completion', created: expect.any(Number), model: 'm',
      choices: [{ index: 0, text: expect.any(String), logprobs: null, finish_reason: 'length', matched_stop: null }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: null, reasoning_tokens: 0 },
    });
    const chat = await postJson(`${worker.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'Hi there' }], max_tokens: 2 });
    expect(chat.json).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{32}$/), object: 'chat.completion', created: expect.any(Number), model: 'sim/test-model',
      choices: [{ index: 0, message: { role: 'assistant', content: expect.any(String), reasoning_content: null, tool_calls: null }, logprobs: null, finish_reason: 'length', matched_stop: null }],
      usage: { prompt_tokens: tokenize('<|user|>\nHi there\n<|assistant|>\n').length, completion_tokens: 2, total_tokens: expect.any(Number), prompt_tokens_details: null, reasoning_tokens: 0 },
    });
  });

  it('answers bad input as SGLang does: 400 with an error JSON', async () => {
    const notJson = await request(`${worker.url}/generate`, { method: 'POST', body: 'nope' });
    expect(notJson.status).toBe(400);
    expect(notJson.json).toEqual({ error: { message: 'Invalid JSON body: Unexpected token \'o\', "nope" is not valid JSON' } });
    const noPrompt = await postJson(`${worker.url}/generate`, { sampling_params: {} });
    expect(noPrompt.status).toBe(400);
    expect(noPrompt.json).toEqual({ error: { message: 'Either text, input_ids or input_embeds should be provided.' } });
    const badChat = await postJson(`${worker.url}/v1/chat/completions`, { messages: [] });
    expect(badChat.status).toBe(400);
    expect(badChat.json).toEqual({ object: 'error', message: "'messages' must be a non-empty list of {role, content}.", type: 'BadRequestError', param: null, code: 400 });
  });

  it('serves health, load, model and server info, models, flush_cache and metrics', async () => {
    expect((await request(`${worker.url}/health`)).status).toBe(200);
    expect((await request(`${worker.url}/health_generate`)).status).toBe(200);
    expect((await request(`${worker.url}/get_load`)).json).toEqual([{ dp_rank: 0, num_reqs: 0, num_waiting_reqs: 0, num_tokens: 0 }]);
    expect((await request(`${worker.url}/v1/loads`)).json).toEqual({
      timestamp: expect.any(String), version: '0.0.0-sim', accelerator: 'sim', num_accelerators: 1,
      loads: [{ dp_rank: 0, num_running_reqs: 0, num_waiting_reqs: 0, num_used_tokens: 0, num_total_tokens: 200000, token_usage: 0, gen_throughput: 0 }],
    });
    expect((await request(`${worker.url}/get_model_info`)).json).toEqual({
      model_path: 'sim/test-model', tokenizer_path: 'sim/test-model', is_generation: true, preferred_sampling_params: null, weight_version: 'default',
    });
    expect((await request(`${worker.url}/get_server_info`)).json).toMatchObject({ model_path: 'sim/test-model', port: worker.port, version: '0.0.0-sim' });
    expect((await request(`${worker.url}/v1/models`)).json).toEqual({
      object: 'list', data: [{ id: 'sim/test-model', object: 'model', created: expect.any(Number), owned_by: 'sglang', root: 'sim/test-model', max_model_len: 8192 }],
    });
    expect((await request(`${worker.url}/flush_cache`, { method: 'POST' })).text).toBe('Cache flushed.\n');
    const metrics = (await request(`${worker.url}/metrics`)).text;
    expect(metrics).toContain('sglang:num_running_reqs{model_name="sim/test-model"} 0');
    expect(metrics).toContain('sglang:num_queue_reqs{model_name="sim/test-model"} 0');
    expect((await request(`${worker.url}/nope`)).json).toEqual({ detail: 'Not Found' });
  });
});

describe('simulated SGLang worker: streaming', async () => {
  const worker = await startSimWorker({ enableCacheReport: true });
  afterAll(() => worker.close());

  it('/generate streams cumulative chunks, the final meta_info last, then [DONE]', async () => {
    const result = await postSse(`${worker.url}/generate`, { text: 'stream me please', sampling_params: { max_new_tokens: 3 }, stream: true, rid: 's-1' });
    expect(result.headers['content-type']).toBe('text/event-stream');
    expect(result.events.at(-1)).toBe('[DONE]');
    const chunks = jsonEvents(result) as Array<{ text: string; meta_info: { id: string; completion_tokens: number; finish_reason: unknown } }>;
    expect(chunks.map((chunk) => chunk.meta_info.completion_tokens)).toEqual([1, 2, 3, 3]);
    expect(chunks.map((chunk) => chunk.meta_info.finish_reason)).toEqual([null, null, null, { type: 'length', length: 3 }]);
    expect(chunks.every((chunk) => chunk.meta_info.id === 's-1')).toBe(true);
    expect(chunks[1]?.text.startsWith(chunks[0]?.text ?? '?')).toBe(true);
    expect(result.truncated).toBe(false);
  });

  it('OpenAI chat streams a role chunk, deltas, a finish chunk, usage only with include_usage, then [DONE]', async () => {
    const body = { messages: [{ role: 'user', content: 'a b c d e f' }], max_tokens: 2, stream: true, rid: 'chat-1' };
    const without = await postSse(`${worker.url}/v1/chat/completions`, body);
    const objects = jsonEvents(without) as Array<{ id: string; choices: Array<{ delta: unknown; finish_reason: unknown }>; usage: unknown }>;
    expect(objects.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, null, null, 'length']);
    expect(objects[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(objects.every((chunk) => chunk.id === 'chat-1' && chunk.usage === null)).toBe(true);
    expect(without.events.at(-1)).toBe('[DONE]');

    const withUsage = await postSse(`${worker.url}/v1/chat/completions`, { ...body, rid: 'chat-2', stream_options: { include_usage: true } });
    const last = jsonEvents(withUsage).at(-1);
    // The same prompt again: all but the last prompt token come from the prefix cache.
    const promptTokens = tokenize('<|user|>\na b c d e f\n<|assistant|>\n').length;
    expect(last).toEqual({
      id: 'chat-2', object: 'chat.completion.chunk', created: expect.any(Number), model: 'sim/llama-3-8b-instruct', choices: [],
      usage: { prompt_tokens: promptTokens, completion_tokens: 2, total_tokens: promptTokens + 2, prompt_tokens_details: { cached_tokens: promptTokens - 1 }, reasoning_tokens: 0 },
    });
  });
});
