import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll } from 'vitest';

export interface HttpWorker {
  url: string;
  /** Every request, with its headers and the body it carried. */
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }>;
  /** Requests whose client (the proxy) closed before the answer ended. */
  aborted(): number;
}

/**
 * A throwaway HTTP worker on 127.0.0.1:0 whose answers the test writes (`GET /health` answers
 * 200 by itself); closed after the test file.
 */
export async function startHttpWorker(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<HttpWorker> {
  const requests: HttpWorker['requests'] = [];
  let aborted = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/health') return void res.end('ok');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) aborted++;
      });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, requests, aborted: () => aborted };
}
