import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { startHttpWorker } from '../helpers/http-worker.js';
import { startTestProxy, waitFor } from '../helpers/stack.js';

describe('the request deadline on a non-stream response whose headers were sent', async () => {
  const collector = await startTestCollector();
  // Headers and 10 of 100 promised bytes, then nothing: a worker stuck mid-answer.
  const worker = await startHttpWorker((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
    res.write('{"text":"o');
  });
  const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: collector.url, requestTimeoutSecs: 0.3 });

  it('cuts the client connection, closes the upstream, and records a timeout with the status already sent', async () => {
    const outcome = await new Promise<{ status: number | undefined; received: string; ended: boolean }>((resolve) => {
      const req = httpRequest(`${proxy.url}/generate`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-request-id': 'late-body' } }, (res) => {
        let received = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (received += chunk));
        res.on('end', () => resolve({ status: res.statusCode, received, ended: true }));
        res.on('close', () => resolve({ status: res.statusCode, received, ended: res.complete }));
      });
      req.on('error', () => undefined);
      req.end('{"text":"hi"}');
    });
    expect(outcome).toEqual({ status: 200, received: '{"text":"o', ended: false });
    await waitFor(() => worker.aborted() === 1, 5000, 'the worker to see the proxy leave');
    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?request_id=late-body`)).json()) as unknown[];
    expect(traces).toEqual([
      expect.objectContaining({ status: 'timeout', http_status: 200, stream: false, error: `${worker.url} did not answer within --request-timeout-secs (0.3 s)` }),
    ]);
  });
});
