import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postJson, type HttpResponse } from '../helpers/http.js';
import { startStack, startTestProxy, startWorkers } from '../helpers/stack.js';
import { startTestCollector } from '../helpers/collector.js';

const body = { text: 'What is the capital of France?', sampling_params: { max_new_tokens: 2 } };
const metaId = (response: HttpResponse): unknown => (response.json as { meta_info: { id: string } }).meta_info.id;

/** Sends raw bytes, so header values node's client would refuse can be tried. */
function rawPost(url: string, headerLines: string[], payload: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(Buffer.from([`POST /generate HTTP/1.1`, `Host: ${hostname}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`, 'Connection: close', ...headerLines, '', payload].join('\r\n'), 'latin1'));
    });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('request ids', async () => {
  const stack = await startStack({ workers: 1 });
  const [worker] = stack.workers;
  const url = `${stack.proxy.url}/generate`;

  it('takes X-Request-Id, forwards it, puts it in the body rid, and answers with worker headers', async () => {
    const response = await postJson(url, body, { 'x-request-id': 'client-id-1' });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('client-id-1');
    expect(response.headers['x-sglang-worker']).toBe(worker?.url);
    expect(response.headers['x-sglang-worker-id']).toBe('worker-0');
    expect(metaId(response)).toBe('client-id-1');
    const seen = worker?.stats().recent.at(-1);
    expect(seen?.headers['x-request-id']).toBe('client-id-1');
    expect(worker?.stats().rids.at(-1)).toBe('client-id-1');
    expect((await stack.traces('?request_id=client-id-1'))[0]).toMatchObject({ request_id: 'client-id-1', node_id: 'worker-0', status: 'completed' });
  });

  it('follows --request-id-headers order: x-request-id, x-correlation-id, x-trace-id, request-id', async () => {
    expect((await postJson(url, body, { 'x-correlation-id': 'corr-1', 'request-id': 'plain-1' })).headers['x-request-id']).toBe('corr-1');
    expect((await postJson(url, body, { 'x-trace-id': 'trace-1', 'x-request-id': 'req-wins' })).headers['x-request-id']).toBe('req-wins');
    expect((await postJson(url, body, { 'request-id': 'plain-2' })).headers['x-request-id']).toBe('plain-2');
  });

  it('uses the body rid when no header has an id', async () => {
    const response = await postJson(url, { ...body, rid: 'body-rid-7' });
    expect(response.headers['x-request-id']).toBe('body-rid-7');
    expect(metaId(response)).toBe('body-rid-7');
  });

  it('generates an id like sgl-router does, and injects it as rid', async () => {
    const response = await postJson(url, body);
    const id = String(response.headers['x-request-id']);
    expect(id).toMatch(/^gnt-[A-Za-z0-9]{24}$/);
    expect(metaId(response)).toBe(id);
    const chat = await postJson(`${stack.proxy.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
    expect(String(chat.headers['x-request-id'])).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect((chat.json as { id: string }).id).toBe(chat.headers['x-request-id']);
  });

  it('replaces invalid ids (10 KB, non-ASCII, tab) and never forwards them', async () => {
    const cases = [`X-Request-Id: ${'a'.repeat(10 * 1024)}`, 'X-Request-Id: caf\xc3\xa9', 'X-Request-Id: tab\there'];
    for (const header of cases) {
      const answer = await rawPost(stack.proxy.url, [header], JSON.stringify(body));
      expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
      expect(answer).toMatch(/\r\nx-request-id: gnt-[A-Za-z0-9]{24}\r\n/);
      const forwarded = worker?.stats().recent.at(-1)?.headers['x-request-id'];
      expect(forwarded).toMatch(/^gnt-[A-Za-z0-9]{24}$/);
    }
  });

  it('leaves CR, LF and other control characters to node, which refuses the request', async () => {
    const before = worker?.stats().requests;
    expect(await rawPost(stack.proxy.url, ['X-Request-Id: bad\x01id'], JSON.stringify(body))).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    expect(worker?.stats().requests).toBe(before);
  });
});

describe('--no-inject-rid', async () => {
  const collector = await startTestCollector();
  const [worker] = await startWorkers(1);
  const proxy = await startTestProxy({ workerUrls: [String(worker?.url)], collectorUrl: collector.url, injectRid: false });

  it('forwards the body untouched: the worker makes its own id', async () => {
    const response = await postJson(`${proxy.url}/generate`, body, { 'x-request-id': 'no-inject-1' });
    expect(response.headers['x-request-id']).toBe('no-inject-1');
    expect(metaId(response)).toMatch(/^[0-9a-f]{32}$/);
    expect(worker?.stats().rids).not.toContain('no-inject-1');
  });
});
