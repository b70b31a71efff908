import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '#shared/log.js';
import type { Forwarder } from '../forward/forwarder.js';
import type { OwnRoutes } from '../routes/own-routes.js';
import { sendError } from './send-error.js';

/**
 * Wires the server: the proxy's own routes first, every other request forwarded. A request with
 * `Expect: 100-continue` whose declared body is over --max-payload-size gets its 413 before any
 * `100 Continue`, so the client never uploads a body that will be refused (RFC 9110 §10.1.1).
 */
export function serveRequests(server: Server, routes: OwnRoutes, forwarder: Forwarder, maxPayloadBytes: number, logger: Logger): void {
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    try {
      if (routes.handle(req, res, path)) return;
      forwarder.forward(req, res, path).catch((error: unknown) => fail(res, error, path));
    } catch (error) {
      fail(res, error, path);
    }
  };
  const fail = (res: ServerResponse, error: unknown, path: string): void => {
    logger.error({ err: error, path }, 'request handling failed');
    sendError(res, 'internal_error', 'internal error in routetrace-proxy');
  };
  server.on('request', onRequest);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > maxPayloadBytes) {
      // Connection: close, so Node does not wait to read a body the client will not send.
      res.shouldKeepAlive = false;
      sendError(res, 'payload_too_large', `body exceeds --max-payload-size (${maxPayloadBytes} bytes)`);
      return;
    }
    res.writeContinue();
    onRequest(req, res);
  });
}
