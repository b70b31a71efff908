import type { IncomingHttpHeaders } from 'node:http';
import { isValidRequestId } from '#shared/record.js';

export const DEFAULT_REQUEST_ID_HEADERS = ['x-request-id', 'x-correlation-id', 'x-trace-id', 'request-id'] as const;

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
