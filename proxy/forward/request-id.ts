import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isValidRequestId } from '#shared/record.js';

export const DEFAULT_REQUEST_ID_HEADERS = ['x-request-id', 'x-correlation-id', 'x-trace-id', 'request-id'] as const;

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Like sgl-router: a prefix by endpoint and 24 alphanumerics. */
export function generateRequestId(path: string): string {
  const prefix = path === '/generate' ? 'gnt-' : path === '/v1/completions' ? 'cmpl-' : path === '/v1/chat/completions' ? 'chatcmpl-' : 'req-';
  const bytes = randomBytes(24);
  let id = prefix;
  for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

/**
 * The first header of `names` that holds a valid id (1–256 printable ASCII). Headers with an
 * invalid value are deleted from `headers`, so they are never forwarded.
 */
export function takeHeaderRequestId(headers: IncomingHttpHeaders, names: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const name of names) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value[0] : value;
    if (found === undefined && text !== undefined && isValidRequestId(text)) found = text;
    else if (text === undefined || !isValidRequestId(text)) delete headers[name];
  }
  return found;
}
