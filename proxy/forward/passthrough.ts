import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Exchange, type Forwarder } from './forwarder.js';
import { CLIENT_ONLY, forwardHeaders } from './hop-by-hop.js';
import { hasBody, limitedBody } from './read-body.js';

const ignore = (): void => undefined;

/**
 * Forwards a request untraced, without a deadline or retry (info endpoints, the collector's
 * API), on the same engine as traced requests: hop-by-hop headers stripped, aborts propagated
 * both ways, bodies bounded. `onError` answers a failure before the response started.
 */
export function passthrough(forwarder: Forwarder, req: IncomingMessage, res: ServerResponse, target: string, onError: (error: Error) => void): void {
  const ex = new Exchange(forwarder, req, res, '', req.url ?? '/', performance.now(), undefined, undefined, false);
  ex.onPassthroughError = onError;
  ex.headers = forwardHeaders(req.headers, CLIENT_ONLY);
  if (hasBody(req)) ex.streamBody = Readable.from(limitedBody(req, forwarder.options.maxPayloadBytes));
  res.on('close', () => ex.onClientClose()).on('error', ignore);
  forwarder.pools.get(target).dispatch({ path: req.url ?? '/', method: req.method ?? 'GET', headers: ex.headers, body: ex.streamBody }, ex);
}
