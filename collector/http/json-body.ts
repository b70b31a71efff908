import { parse as parseContentType } from 'content-type';
import express, { type RequestHandler } from 'express';
import { RoutetraceError } from '#shared/errors.js';

/** Default ingest body limit: 10 MiB (a 1000-record batch is ~0.6 MB). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The charset a JSON body declares, lower case; UTF-8 when it declares none (RFC 8259 §8.1). */
export function jsonCharset(contentType: string | undefined): string {
  try {
    return (parseContentType(contentType ?? '').parameters.charset ?? 'utf-8').toLowerCase();
  } catch {
    return 'utf-8';
  }
}

/** The UTF encodings a body may use: those TextDecoder reads (utf-8, utf-16le, utf-16be and their aliases). */
function isReadableUtf(charset: string): boolean {
  if (!charset.startsWith('utf')) return false;
  try {
    new TextDecoder(charset);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads an application/json body as bytes (decompressed, at most `maxBytes`) into `req.body`;
 * anything else is a 415 before a byte is read. The bytes are decoded and parsed on the ingest
 * thread (collector/ingest/ingest-worker.ts), not on the event loop.
 */
export function jsonBytesBody(maxBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const type = req.headers['content-type'];
    if (!(req.is('application/json') === 'application/json' || req.is('+json'))) {
      next(new RoutetraceError('unsupported_media_type', `Content-Type must be application/json, got ${type === undefined ? 'none' : `'${type}'`}`));
      return;
    }
    const charset = jsonCharset(type);
    if (isReadableUtf(charset)) next();
    else next(new RoutetraceError('unsupported_media_type', `unsupported charset "${charset.toUpperCase()}"; JSON must be UTF-8 (or UTF-16)`));
  };
  return [requireJson, express.raw({ limit: maxBytes, type: () => true })];
}
