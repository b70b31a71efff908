import type { ErrorRequestHandler, RequestHandler } from 'express';
import { RoutetraceError, type ErrorCode } from '#shared/errors.js';
import { isRecord } from '#shared/guards.js';
import type { Logger } from '#shared/log.js';

function property(value: unknown, key: string): unknown {
  return isRecord(value) || value instanceof Error ? Reflect.get(value, key) : undefined;
}

/**
 * Error codes that mean the store cannot serve now, not that the request or the code is wrong;
 * the proxy retries a 503 later. SQLite: CORRUPT and NOTADB too (a damaged page is a fault the
 * operator must fix, issue 14 item 6). PostgreSQL SQLSTATE classes 08 (connection exception),
 * 53 (insufficient resources: disk full, too many connections), 57P (server shutting down or
 * restarting), and the socket errors of a server that cannot be reached.
 */
function isStorageFault(code: string): boolean {
  return /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN)/.test(code)
    || /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P[0-9A-Z]{2})$/.test(code)
    || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code);
}

/** Maps what body-parser and the stores throw onto the error table; anything else is a 500. */
export function classify(error: unknown): RoutetraceError {
  if (error instanceof RoutetraceError) return error;
  const type = property(error, 'type');
  const limit = property(error, 'limit');
  const bodyParserCodes: Record<string, ErrorCode> = {
    'entity.parse.failed': 'invalid_json',
    'entity.too.large': 'payload_too_large',
    'encoding.unsupported': 'unsupported_media_type',
    'charset.unsupported': 'unsupported_media_type',
    'entity.verify.failed': 'invalid_json',
    'request.size.invalid': 'invalid_json',
  };
  if (typeof type === 'string' && Object.hasOwn(bodyParserCodes, type)) {
    const code = bodyParserCodes[type] ?? 'invalid_json';
    const message =
      code === 'payload_too_large' ? `body exceeds the limit of ${String(limit)} bytes`
      : code === 'invalid_json' ? `body is not valid JSON: ${error instanceof Error ? error.message : 'parse failed'}`
      : error instanceof Error ? error.message : undefined;
    return new RoutetraceError(code, message, { cause: error });
  }
  // Other client errors from body-parser (a corrupt gzip body is a bare 400 wrapping a zlib
  // error): map them by status, never to a 500.
  const status = property(error, 'status');
  if (property(error, 'expose') === true && typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_json';
    return new RoutetraceError(code, `body could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const storeCode = property(error, 'code');
  if (typeof storeCode === 'string' && isStorageFault(storeCode)) {
    return new RoutetraceError('storage_unavailable', `trace store unavailable (${storeCode}); retry later`, { cause: error });
  }
  return new RoutetraceError('internal_error', undefined, { cause: error });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const mapped = classify(error);
    if (mapped.status >= 500) logger.error({ err: error, method: req.method, url: req.originalUrl }, mapped.message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(mapped.status).json(mapped.toBody());
  };
}

export function routeNotFound(): RequestHandler {
  return (req, _res, next) => next(new RoutetraceError('route_not_found', `no route for ${req.method} ${req.path}`));
}

/** For a known path hit with the wrong method: 405 with the Allow header (RFC 9110 §15.5.6). */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Allow', allowed.join(', '));
    next(new RoutetraceError('method_not_allowed', `${req.method} is not allowed here; use ${allowed.join(' or ')}`));
  };
}
