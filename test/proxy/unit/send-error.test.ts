import { createServer, type ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { endStreamWithError, sendError } from '../../../proxy/http/send-error.js';
import { request } from '../../helpers/http.js';

/** A server whose every answer is written by `write`, so the error writers run against real sockets. */
async function serve(write: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => write(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

describe('sendError: the one error writer of the proxy', () => {
  it('answers the table status with the whole error body, its length and the request id', async () => {
    const url = await serve((res) => sendError(res, 'upstream_timeout', 'too slow', 'req-9'));
    const response = await request(url);
    expect(response.status).toBe(504);
    expect(response.json).toEqual({ error: { code: 'upstream_timeout', message: 'too slow' } });
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.text)));
    expect(response.headers['x-request-id']).toBe('req-9');
  });

  it('cuts a response whose headers already left, instead of writing a second status', async () => {
    const url = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      sendError(res, 'worker_unreachable', 'gone');
    });
    await expect(request(url)).rejects.toThrow();
  });

  it('ends a broken event stream with an error event', async () => {
    const url = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"text":"a"}\n\n');
      endStreamWithError(res, 'worker_unreachable', 'http://w closed the connection mid-response');
    });
    const response = await request(url);
    expect(response.text).toBe('data: {"text":"a"}\n\ndata: {"error":{"message":"http://w closed the connection mid-response","code":"worker_unreachable"}}\n\n');
  });
});
