import { afterAll, describe, expect, it } from 'vitest';
import { startSimWorker } from '../../sim/worker.js';
import { RadixCache } from '../../sim/radix-cache.js';
import { postJson, request } from '../helpers/http.js';

const cachedTokens = (json: unknown): number => (json as { meta_info: { cached_tokens: number } }).meta_info.cached_tokens;

describe('prefix cache', async () => {
  const worker = await startSimWorker({ cacheCapacityTokens: 64 });
  afterAll(() => worker.close());
  const system = 'You are a helpful assistant. Answer briefly and cite sources. ';

  it('hits for a repeated prefix, misses for a new one, and empties on /flush_cache', async () => {
    const generate = async (text: string): Promise<number> =>
      cachedTokens((await postJson(`${worker.url}/generate`, { text, sampling_params: { max_new_tokens: 1 } })).json);
    expect(await generate(`${system}Question one?`)).toBe(0);
    const second = await generate(`${system}Question two?`);
    // The shared system prompt (12 tokens) plus " Question" are cached.
    expect(second).toBe(13);
    expect(await generate('Something unrelated entirely')).toBe(0);
    await request(`${worker.url}/flush_cache`, { method: 'POST' });
    expect(await generate(`${system}Question three?`)).toBe(0);
  });

  it('is bounded by its capacity, evicting least recently used prefixes', () => {
    const cache = new RadixCache(10);
    cache.insert([1, 2, 3, 4, 5]);
    cache.insert([9, 8, 7, 6, 5]);
    expect(cache.size).toBe(10);
    expect(cache.match([1, 2, 3])).toBe(3); // touches the 1-2-3 path
    cache.insert([20, 21]);
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.match([9, 8, 7, 6, 5])).toBeLessThan(5); // the least recently used went first
    expect(cache.match([20, 21])).toBe(2);
  });

  it('keeps a long stream of distinct prompts within capacity', async () => {
    for (let i = 0; i < 20; i++) {
      await postJson(`${worker.url}/generate`, { text: `distinct prompt number ${i} with several more words`, sampling_params: { max_new_tokens: 2 } });
    }
    expect(worker.stats().cacheTokens).toBeLessThanOrEqual(64);
  });
});

describe('queueing', async () => {
  const worker = await startSimWorker({ maxRunningRequests: 1, decodeTokensPerSec: 100 });
  afterAll(() => worker.close());

  it('reports waiting requests past --max-running-requests in /get_load', async () => {
    let accepted = 0;
    const allAccepted = new Promise<void>((resolve) => {
      worker.events.on('generation', () => {
        if (++accepted === 3) resolve();
      });
    });
    const inflight = [1, 2, 3].map((i) => postJson(`${worker.url}/generate`, { text: `q${i}`, sampling_params: { max_new_tokens: 50 } }));
    await allAccepted;
    // One runs (50 tokens at 100 tokens/s: 500 ms), two wait for its slot. The running one holds
    // its prompt token (`q1`) and, in a non-stream answer, its 50 output tokens from the start.
    expect((await request(`${worker.url}/get_load`)).json).toEqual([{ dp_rank: 0, num_reqs: 3, num_waiting_reqs: 2, num_tokens: 51 }]);
    await Promise.all(inflight);
    expect((await request(`${worker.url}/get_load`)).json).toEqual([{ dp_rank: 0, num_reqs: 0, num_waiting_reqs: 0, num_tokens: 0 }]);
  });
});
