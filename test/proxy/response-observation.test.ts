import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { startHttpWorker } from '../helpers/http-worker.js';
import { startTestProxy } from '../helpers/stack.js';
import { MAX_OBSERVED_JSON_BYTES } from '../../proxy/forward/response-observer.js';

const final = { text: 'done', meta_info: { prompt_tokens: 12, completion_tokens: 3, cached_tokens: 4 } };

describe('usage observed from responses, without buffering them', async () => {
  const collector = await startTestCollector();
  const worker = await startHttpWorker((_req, res, body) => {
    const { text } = JSON.parse(body.toString()) as { text: string };
    if (text === 'crlf') {
      // Event-stream lines may end in CRLF (WHATWG HTML §9.2.5); the usage is in the last event.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"text":"do"}\r\n\r\n');
      res.write(`data: ${JSON.stringify(final)}\r\n\r\ndata: [DONE]\r\n\r\n`);
      res.end();
    } else {
      // A JSON answer bigger than the observation cap: forwarded whole, not parsed.
      const padding = 'x'.repeat(MAX_OBSERVED_JSON_BYTES);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...final, text: padding }));
    }
  });
  const proxy = await startTestProxy({ workerUrls: [worker.url], collectorUrl: collector.url });
  const trace = async (id: string): Promise<unknown> => {
    await proxy.exporter?.forceFlush();
    return ((await (await fetch(`${collector.url}/v1/traces?request_id=${id}`)).json()) as unknown[])[0];
  };

  it('keeps the usage of a CRLF-delimited event stream', async () => {
    const response = await postJson(`${proxy.url}/generate`, { text: 'crlf', stream: true }, { 'x-request-id': 'crlf-1' });
    expect(response.status).toBe(200);
    expect(await trace('crlf-1')).toMatchObject({ stream: true, status: 'completed', prompt_tokens: 12, completion_tokens: 3, cached_tokens: 4, cache_hit: true });
  });

  it('forwards a JSON answer over the 4 MiB cap whole, and records it without usage', async () => {
    const response = await postJson(`${proxy.url}/generate`, { text: 'big' }, { 'x-request-id': 'big-1' });
    expect(response.status).toBe(200);
    expect(response.text.length).toBeGreaterThan(MAX_OBSERVED_JSON_BYTES);
    expect((response.json as { meta_info: unknown }).meta_info).toEqual(final.meta_info);
    expect(await trace('big-1')).toMatchObject({ status: 'completed', http_status: 200, prompt_tokens: null, completion_tokens: null, cached_tokens: null });
  });
});
