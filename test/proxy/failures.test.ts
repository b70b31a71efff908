import { describe, expect, it } from 'vitest';
import { postJson, request } from '../helpers/http.js';
import { postSse } from '../helpers/sse.js';
import { startTestCollector } from '../helpers/collector.js';
import { startStack, startTestProxy, startWorkers } from '../helpers/stack.js';
import { startSimWorker } from '../../sim/worker.js';

const body = { text: 'hello', sampling_params: { max_new_tokens: 2 } };

describe('a worker that goes down', async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(2);
  const proxy = await startTestProxy({ workerUrls: workers.map((worker, i) => `${i === 0 ? 'down' : 'up'}=${worker.url}`), policy: 'round_robin', collectorUrl: collector.url });

  it('retries a refused connection on another worker, then routes around the dead one', async () => {
    // Seen healthy at start, then gone: the next request to it is refused.
    await proxy.monitor.firstCheck;
    await workers[0]?.close();
    const first = await postJson(`${proxy.url}/generate`, body, { 'x-request-id': 'retry-1' });
    expect(first.status).toBe(200);
    expect(first.headers['x-sglang-worker-id']).toBe('up');
    expect(proxy.workers.find((worker) => worker.nodeId === 'down')?.healthy).toBe(false);
    for (let i = 0; i < 3; i++) await postJson(`${proxy.url}/generate`, body, { 'x-request-id': `after-${i}` });
    await proxy.exporter?.forceFlush();
    const traces = (await request(`${collector.url}/v1/traces`)).json as Array<{ request_id: string; node_id: string; attempts: number }>;
    expect(traces.map((trace) => [trace.request_id, trace.node_id, trace.attempts]).reverse()).toEqual([
      ['retry-1', 'up', 2],
      ['after-0', 'up', 1],
      ['after-1', 'up', 1],
      ['after-2', 'up', 1],
    ]);
  });

  it('takes a worker out when /health fails, and back when it passes again', async () => {
    const down = proxy.workers.find((worker) => worker.nodeId === 'down');
    const up = proxy.workers.find((worker) => worker.nodeId === 'up');
    // The dead worker comes back on its port.
    const revived = await startSimWorker({ port: Number(new URL(String(down?.url)).port) });
    try {
      await proxy.monitor.checkHealth();
      expect(down?.healthy).toBe(true);
      const served = new Set<unknown>();
      for (let i = 0; i < 2; i++) served.add((await postJson(`${proxy.url}/generate`, body)).headers['x-sglang-worker-id']);
      expect([...served].sort()).toEqual(['down', 'up']);

      // A worker that answers /health with 503 is taken out.
      workers[1]?.setFaults({ unhealthy: true });
      await proxy.monitor.checkHealth();
      expect(up?.healthy).toBe(false);
      for (let i = 0; i < 3; i++) expect((await postJson(`${proxy.url}/generate`, body)).headers['x-sglang-worker-id']).toBe('down');
      workers[1]?.setFaults({ unhealthy: false });
      await proxy.monitor.checkHealth();
      expect(up?.healthy).toBe(true);
    } finally {
      await revived.close();
    }
  });
});

describe('every worker down', async () => {
  const collector = await startTestCollector();
  const workers = await startWorkers(2);
  const proxy = await startTestProxy({ workerUrls: workers.map((worker) => worker.url), collectorUrl: collector.url });

  it('answers 502 once the retries run out, then 503 while no worker is healthy', async () => {
    await proxy.monitor.firstCheck;
    await Promise.all(workers.map((worker) => worker.close()));
    const first = await postJson(`${proxy.url}/generate`, body, { 'x-request-id': 'all-down-1' });
    expect(first.status).toBe(502);
    expect(first.headers['x-request-id']).toBe('all-down-1');
    expect(first.json).toEqual({ error: { code: 'worker_unreachable', message: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+$/) } });

    const second = await postJson(`${proxy.url}/generate`, body, { 'x-request-id': 'all-down-2' });
    expect(second.status).toBe(503);
    expect(second.json).toEqual({ error: { code: 'no_healthy_worker', message: 'none of the 2 workers is healthy' } });

    await proxy.exporter?.forceFlush();
    const traces = (await request(`${collector.url}/v1/traces`)).json as Array<Record<string, unknown>>;
    expect(traces.map((trace) => [trace.request_id, trace.status, trace.http_status, trace.attempts])).toEqual([
      ['all-down-2', 'failed', 503, null],
      ['all-down-1', 'failed', 502, 2],
    ]);
    expect(traces[0]).toMatchObject({ node_id: 'none', worker_url: proxy.url });
  });
});

describe('a hung worker', async () => {
  const stack = await startStack({ workers: 1, sim: { faults: { hang: true } }, proxy: { requestTimeoutSecs: 0.3 } });

  it('answers 504 at the deadline, records a timeout, and aborts the upstream', async () => {
    const started = Date.now();
    const response = await postJson(`${stack.proxy.url}/generate`, body, { 'x-request-id': 'hung-1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.status).toBe(504);
    expect(response.json).toEqual({
      error: { code: 'upstream_timeout', message: `${stack.workers[0]?.url} did not answer within --request-timeout-secs (0.3 s)` },
    });
    const [trace] = await stack.traces('?request_id=hung-1');
    expect(trace).toMatchObject({ status: 'timeout', http_status: 504, node_id: 'worker-0' });
    expect(stack.workers[0]?.stats().clientAborts).toBe(1);
  });
});

describe('worker errors and odd input', async () => {
  const stack = await startStack({ workers: 1, proxy: { maxPayloadSize: 1000 } });
  const [worker] = stack.workers;

  it('passes a worker 500 through and records it as failed', async () => {
    worker?.setFaults({ failRate: 1 });
    const response = await postJson(`${stack.proxy.url}/generate`, body, { 'x-request-id': 'w500' });
    worker?.setFaults({ failRate: 0 });
    expect(response.status).toBe(500);
    expect(response.json).toEqual({ error: { message: 'simulated failure (--fail-rate)' } });
    expect((await stack.traces('?request_id=w500'))[0]).toMatchObject({ status: 'failed', http_status: 500, error: 'worker answered 500: simulated failure (--fail-rate)' });
  });

  it('ends a stream whose worker dies with an SSE error event, and records it as failed', async () => {
    worker?.setFaults({ dropAfterTokens: 2 });
    const result = await postSse(`${stack.proxy.url}/generate`, { ...body, sampling_params: { max_new_tokens: 10 }, stream: true }, { 'x-request-id': 'dropped' });
    worker?.setFaults({ dropAfterTokens: 0 });
    expect(result.events).toHaveLength(3);
    expect(JSON.parse(result.events[2] ?? '{}')).toEqual({ error: { message: `${worker?.url} closed the connection mid-response`, code: 'worker_unreachable' } });
    expect((await stack.traces('?request_id=dropped'))[0]).toMatchObject({ status: 'failed', stream: true, error: `${worker?.url} closed the connection mid-response` });
  });

  it('answers 413 for a body over --max-payload-size', async () => {
    const response = await postJson(`${stack.proxy.url}/generate`, { text: 'x'.repeat(2000) }, { 'x-request-id': 'too-big' });
    expect(response.status).toBe(413);
    expect(response.json).toEqual({ error: { code: 'payload_too_large', message: 'body exceeds --max-payload-size (1000 bytes)' } });
    expect((await stack.traces('?request_id=too-big'))[0]).toMatchObject({ status: 'failed', http_status: 413, node_id: 'none' });
  });

  it('forwards a body that is not JSON (the worker decides) and records it', async () => {
    const response = await request(`${stack.proxy.url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'not-json' }, body: '{oops' });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { message: expect.stringContaining('Invalid JSON body') } });
    expect((await stack.traces('?request_id=not-json'))[0]).toMatchObject({
      status: 'completed', http_status: 400, node_id: 'worker-0', error: `worker answered 400: Invalid JSON body: ${jsonParseMessage('{oops')}`,
    });
  });
});

/** The runtime's own JSON.parse message (its wording changed between Node lines). */
function jsonParseMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return error.message;
  }
  throw new Error(`${text} parsed`);
}
