import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKind } from './protocol.js';

/** Bodies above this are refused with a 413 (SGLang's own limit is far larger; tests stay small). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** SGLang's two error shapes: `/generate` and the OpenAI endpoints differ. */
export function sendError(res: ServerResponse, kind: ApiKind, status: number, message: string): void {
  if (kind === 'generate') sendJson(res, status, { error: { message } });
  else sendJson(res, status, { object: 'error', message, type: status >= 500 ? 'InternalServerError' : 'BadRequestError', param: null, code: status });
}

/** The whole request body, or undefined when it is over MAX_BODY_BYTES (the request is destroyed). */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
