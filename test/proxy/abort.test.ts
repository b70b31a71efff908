import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startStack, waitFor } from '../helpers/stack.js';

describe('a client that goes away', async () => {
  const stack = await startStack({ workers: 1, sim: { decodeTokensPerSec: 50 } });
  const [worker] = stack.workers;

  it('closes the upstream stream before it finished and records the request as cancelled', async () => {
    const before = worker?.stats().clientAborts ?? 0;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${stack.proxy.url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'abort-stream' }, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ text: 'a long answer please', sampling_params: { max_new_tokens: 500 }, stream: true }));
      setTimeout(() => reject(new Error('no first chunk')), 5000);
    });
    // The worker sees its client (the proxy) leave: 500 tokens at 50/s would take 10 s otherwise.
    await waitFor(() => (worker?.stats().clientAborts ?? 0) > before, 5000, 'the worker to see the close');
    expect(worker?.stats().running).toBe(0);

    const [trace] = await stack.traces('?request_id=abort-stream');
    expect(trace).toMatchObject({ status: 'cancelled', http_status: 200, stream: true, error: 'client closed the connection' });
    expect(stack.proxy.workers[0]?.inFlight).toBe(0);
  });

  it('cancels a non-streaming request whose client leaves before the answer', async () => {
    const before = worker?.stats().clientAborts ?? 0;
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${stack.proxy.url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'abort-plain' }, agent: false });
      req.on('error', () => resolve());
      req.end(JSON.stringify({ text: 'slow', sampling_params: { max_new_tokens: 100 } }));
      setTimeout(() => req.destroy(), 100);
    });
    await waitFor(() => (worker?.stats().clientAborts ?? 0) > before, 1000, 'the worker to see the close');
    const [trace] = await stack.traces('?request_id=abort-plain');
    expect(trace).toMatchObject({ status: 'cancelled', http_status: null, error: 'client closed the connection' });
  });
});
