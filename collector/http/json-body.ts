import express, { type RequestHandler } from 'express';
import { RoutetraceError } from '#shared/errors.js';

/** Default ingest body limit: 10 MiB (a 1000-record batch is ~0.6 MB). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Parses an application/json body; anything else is a 415 before a byte is parsed. */
export function jsonBody(maxBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (req.is('application/json') === 'application/json' || req.is('+json')) return next();
    const type = req.headers['content-type'];
    next(new RoutetraceError('unsupported_media_type', `Content-Type must be application/json, got ${type === undefined ? 'none' : `'${type}'`}`));
  };
  return [requireJson, express.json({ limit: maxBytes, strict: true, type: () => true })];
}
