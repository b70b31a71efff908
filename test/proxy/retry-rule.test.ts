import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { jsonAnswer, requestIdOf, startRawWorker, type RawRequest } from '../helpers/raw-worker.js';
import { startTestProxy } from '../helpers/stack.js';

/** Generation requests only (the proxy's start-up health check also reaches the workers). */
const posts = (requests: RawRequest[]): RawRequest[] => requests.filter((request) => request.head.startsWith('POST '));

const ANSWER = { text: 'ok', meta_info: { prompt_tokens: 1, completion_tokens: 1 } };

describe('retries: a generation never runs twice', async () => {
  const collector = await startTestCollector();

  it('a worker that read the whole request, worked, then reset its reused socket gets exactly one attempt; the client gets 502', async () => {
    // First request on a connection: answered, keep-alive. Second on the same (reused) socket:
    // read whole, "generated" for 300 ms, then reset — as a worker crashing mid-generation.
    const resetter = await startRawWorker((socket, request) => {
      if (!request.head.startsWith('POST ') || request.indexOnConnection === 0) socket.write(jsonAnswer(ANSWER));
      else setTimeout(() => socket.resetAndDestroy(), 300);
    });
    const other = await startRawWorker((socket) => socket.write(jsonAnswer(ANSWER)));
    const proxy = await startTestProxy({ workerUrls: [`resetter=${resetter.url}`, `other=${other.url}`], policy: 'round_robin', collectorUrl: collector.url });

    const ids = ['rr-1', 'rr-2', 'rr-3'];
    const responses = [];
    for (const id of ids) responses.push(await postJson(`${proxy.url}/generate`, { text: id }, { 'x-request-id': id }));
    expect(responses.map((response) => [response.status, response.headers['x-sglang-worker-id']])).toEqual([
      [200, 'resetter'],
      [200, 'other'],
      [502, undefined],
    ]);
    expect(responses[2]?.json).toEqual({ error: { code: 'worker_unreachable', message: expect.stringMatching(new RegExp(`^${resetter.url}: `)) } });
    expect(posts(resetter.requests).map(requestIdOf)).toEqual(['rr-1', 'rr-3']);
    // rr-3 went on the socket rr-1 had used.
    expect(posts(resetter.requests).map((request) => [request.connection, request.indexOnConnection])).toEqual([[posts(resetter.requests)[0]?.connection, 0], [posts(resetter.requests)[0]?.connection, 1]]);
    expect(posts(other.requests).map(requestIdOf)).toEqual(['rr-2']);

    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?request_id=rr-3`)).json()) as unknown[];
    expect(traces).toEqual([expect.objectContaining({ request_id: 'rr-3', node_id: 'resetter', attempts: 1, status: 'failed', http_status: 502 })]);
  });

  it('a worker that closes an idle keep-alive socket is still served transparently, on a new connection', async () => {
    // Like uvicorn after its keep-alive timeout: FIN on an idle connection, no Keep-Alive hint.
    const closer = await startRawWorker((socket) => {
      socket.write(jsonAnswer(ANSWER));
      socket.end();
    });
    const proxy = await startTestProxy({ workerUrls: [closer.url], collectorUrl: collector.url });
    expect((await postJson(`${proxy.url}/generate`, { text: 'a' }, { 'x-request-id': 'idle-1' })).status).toBe(200);
    const firstConnection = posts(closer.requests)[0]?.connection ?? -1;
    await closer.closedConnections(closer.connections());
    const second = await postJson(`${proxy.url}/generate`, { text: 'b' }, { 'x-request-id': 'idle-2' });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(ANSWER);
    expect(posts(closer.requests).map(requestIdOf)).toEqual(['idle-1', 'idle-2']);
    expect(posts(closer.requests)[1]?.connection).not.toBe(firstConnection);
    await proxy.exporter?.forceFlush();
    const traces = (await (await fetch(`${collector.url}/v1/traces?request_id=idle-2`)).json()) as unknown[];
    expect(traces).toEqual([expect.objectContaining({ request_id: 'idle-2', status: 'completed', attempts: 1 })]);
  });
});
