import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the proxy's own
 * credentials: never forwarded in either direction. `Connection` also names more of them.
 * Transfer-Encoding is re-done by each hop (Node and undici frame the body themselves).
 */
const HOP_BY_HOP: Readonly<Record<string, true>> = {
  connection: true,
  'keep-alive': true,
  'proxy-connection': true,
  'proxy-authorization': true,
  'proxy-authenticate': true,
  te: true,
  trailer: true,
  'transfer-encoding': true,
  upgrade: true,
};

function connectionNamed(headers: IncomingHttpHeaders): string[] | undefined {
  const connection = headers.connection;
  if (connection === undefined) return undefined;
  // What nearly every peer sends: nothing more to skip, and no split (a list per message).
  if (connection === 'keep-alive' || connection === 'close') return undefined;
  const names = (Array.isArray(connection) ? connection.join(',') : connection).toLowerCase().split(',');
  const extra: string[] = [];
  for (const name of names) {
    const trimmed = name.trim();
    if (trimmed !== '' && trimmed !== 'close' && trimmed !== 'keep-alive') extra.push(trimmed);
  }
  return extra.length > 0 ? extra : undefined;
}

/**
 * Request headers never copied from the client: its Host (the worker's own is sent) and Expect
 * (Node has answered it already). Every request skip set starts from these.
 */
export const CLIENT_ONLY: Readonly<Record<string, true>> = { host: true, expect: true };
/** Request headers the proxy sets itself: for a body it read (and may have rewritten), or a streamed one. */
export const REWRITTEN_BODY: Readonly<Record<string, true>> = { ...CLIENT_ONLY, 'x-request-id': true, 'content-length': true, 'accept-encoding': true };
export const CLIENT_BODY: Readonly<Record<string, true>> = { ...CLIENT_ONLY, 'x-request-id': true };

/** Response headers the proxy sets itself (the request id and the serving worker). */
export const PROXY_SET: Readonly<Record<string, true>> = { 'x-request-id': true, 'x-sglang-worker': true, 'x-sglang-worker-id': true };

/**
 * Headers for the next hop, either way, as a flat `[name, value, …]` list (undici's cheapest
 * input, and what `writeHead` takes): without hop-by-hop headers (and those Connection names)
 * and the names in `skip`. A new list instead of `delete` on undici's response object: a
 * deleted key turns the object into a dictionary, slower for Node to walk when it writes the head.
 */
export function forwardHeaders(headers: IncomingHttpHeaders, skip: Readonly<Record<string, true>>): string[] {
  const named = connectionNamed(headers);
  const out: string[] = [];
  for (const name in headers) {
    if (HOP_BY_HOP[name] === true || skip[name] === true) continue;
    if (named?.includes(name) === true) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const item of value) out.push(name, item);
  }
  return out;
}
