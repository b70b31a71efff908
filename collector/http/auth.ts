import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { RoutetraceError } from '#shared/errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * `Authorization: Bearer TOKEN` on ingest, when a token is configured. Both sides are hashed
 * first so the comparison is constant-time whatever the lengths.
 */
export function requireIngestToken(token: string | undefined): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(.+)$/i.exec(header);
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1].trim()), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="routetrace"');
    next(new RoutetraceError('unauthorized', header === '' ? 'missing Authorization: Bearer token' : 'invalid ingest token'));
  };
}
