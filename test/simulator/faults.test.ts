import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimWorker } from '../../sim/worker.js';
import { postJson, request } from '../helpers/http.js';
import { postSse } from '../helpers/sse.js';

describe('fault switches', async () => {
  const worker = await startSimWorker({ decodeTokensPerSec: 200 });
  afterAll(() => worker.close());
  const generate = { text: 'fault test', sampling_params: { max_new_tokens: 5 } };

  it('--fail-rate 1 answers 500 in SGLang\'s error shape', async () => {
    worker.setFaults({ failRate: 1 });
    const response = await postJson(`${worker.url}/generate`, generate);
    worker.setFaults({ failRate: 0 });
    expect(response.status).toBe(500);
    expect(response.json).toEqual({ error: { message: 'simulated failure (--fail-rate)' } });
    expect((await postJson(`${worker.url}/generate`, generate)).status).toBe(200);
  });

  it('--unhealthy answers 503 on /health, switchable at run time over HTTP', async () => {
    expect((await postJson(`${worker.url}/sim/faults`, { unhealthy: true })).json).toMatchObject({ unhealthy: true });
    expect((await request(`${worker.url}/health`)).status).toBe(503);
    expect((await request(`${worker.url}/health_generate`)).status).toBe(503);
    await postJson(`${worker.url}/sim/faults`, { unhealthy: false });
    expect((await request(`${worker.url}/health`)).status).toBe(200);
  });

  it('--drop-after-tokens closes a stream mid-way', async () => {
    worker.setFaults({ dropAfterTokens: 2 });
    const result = await postSse(`${worker.url}/generate`, { ...generate, stream: true });
    const plain = await request(`${worker.url}/generate`, { method: 'POST', body: JSON.stringify(generate) }).catch((error: unknown) => error);
    worker.setFaults({ dropAfterTokens: 0 });
    expect(result.events).toHaveLength(2);
    expect(result.events).not.toContain('[DONE]');
    expect(result.truncated).toBe(true);
    expect(plain).toBeInstanceOf(Error); // socket hang up
  });

  it('--hang accepts and never answers; a client that gives up is counted as an abort', async () => {
    worker.setFaults({ hang: true });
    const before = worker.stats().clientAborts;
    const accepted = once(worker.events, 'generation');
    const req = httpRequest(`${worker.url}/generate`, { method: 'POST', agent: false });
    const outcome = new Promise<string>((resolve) => {
      req.on('response', () => resolve('answered'));
      req.on('error', () => resolve('gave up'));
    });
    req.end(JSON.stringify({ ...generate, rid: 'hung-1' }));
    expect(await accepted).toEqual([['hung-1']]);
    // The worker holds the request and has not answered: the client gives up.
    const aborted = once(worker.events, 'clientAbort');
    req.destroy();
    await aborted;
    worker.setFaults({ hang: false });
    expect(await outcome).toBe('gave up');
    expect(worker.stats().clientAborts).toBe(before + 1);
    expect(worker.stats().rids).toContain('hung-1');
  });

  it('counts a client that leaves mid-stream, and stops generating for it', async () => {
    const before = worker.stats().clientAborts;
    const aborted = once(worker.events, 'clientAbort');
    // 200 tokens at 200 tokens/s: a second of work left when the client goes after the first chunk.
    const ended = once(worker.events, 'generationEnd');
    const req = httpRequest(`${worker.url}/generate`, { method: 'POST', agent: false }, (res) => res.once('data', () => req.destroy()));
    req.on('error', () => undefined);
    req.end(JSON.stringify({ text: 'long one', sampling_params: { max_new_tokens: 200 }, stream: true }));
    await aborted;
    // The engine gave the request up instead of decoding to the end, and freed its slot.
    expect(await ended).toEqual(['aborted']);
    const stats = worker.stats();
    expect(stats.clientAborts).toBe(before + 1);
    expect(stats.running).toBe(0);
  });
});
