import type { ServerResponse } from 'node:http';
import { errorBody, errorStatus, type ErrorCode } from '#shared/errors.js';

/** A JSON answer with its Content-Length (one write: headers and body leave together). */
export function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Answers `{"error": {"code", "message"}}` with the table's status; the one error writer of the
 * proxy (forwarding and own routes). A response already under way cannot change its status: it
 * is cut instead, so the client sees a broken response rather than a wrong one.
 */
export function sendError(res: ServerResponse, code: ErrorCode, message: string, requestId?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.writableEnded || res.destroyed) return;
  sendJson(res, errorStatus(code), errorBody(code, message), requestId);
}

/**
 * Ends an event stream that broke mid-way with an error event, as SGLang reports errors
 * in-stream: OpenAI clients raise it instead of waiting on a stream that just stopped.
 */
export function endStreamWithError(res: ServerResponse, code: ErrorCode, message: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.end(`data: ${JSON.stringify({ error: { message, code } })}\n\n`);
}
