import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { request } from '../helpers/http.js';
import { startStack } from '../helpers/stack.js';

describe('the official openai client through the proxy', async () => {
  const stack = await startStack({ workers: 2 });
  const client = new OpenAI({ baseURL: `${stack.proxy.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });

  it('chat completion: the response id is the trace id', async () => {
    const completion = await client.chat.completions.create({ model: 'sim/llama-3-8b-instruct', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 4 });
    expect(completion.choices[0]?.message.role).toBe('assistant');
    await stack.proxy.exporter?.forceFlush();
    const trace = (await request(`${stack.collector.url}/v1/traces/${completion.id}`)).json as StoredTrace;
    expect(trace).toMatchObject({ request_id: completion.id, path: '/v1/chat/completions', status: 'completed', stream: false, prompt_tokens: completion.usage?.prompt_tokens, completion_tokens: 4 });
  });

  it('streaming with include_usage, with the client\'s own X-Request-Id', async () => {
    const stream = await client.chat.completions.create(
      { model: 'sim/llama-3-8b-instruct', messages: [{ role: 'user', content: 'Count to three.' }], max_tokens: 3, stream: true, stream_options: { include_usage: true } },
      { headers: { 'X-Request-Id': 'openai-stream-1' } },
    );
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    await stack.proxy.exporter?.forceFlush();
    const traces = (await request(`${stack.collector.url}/v1/traces?request_id=openai-stream-1`)).json as StoredTrace[];
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ stream: true, status: 'completed', prompt_tokens: usage?.prompt_tokens, completion_tokens: 3 });
  });
});
