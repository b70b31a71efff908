import pg from 'pg';
import type { Pool, PoolConfig } from 'pg';
import { errorCodeOf } from '#shared/guards.js';

/** The URL as logs, /health and errors show it: the password replaced by `***`. */
export function redactUrl(location: string): string {
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    // Unparseable: show only the scheme, never the rest (it may hold a password).
    return `${location.split(':')[0] ?? 'postgres'}://…`;
  }
}

/** Checks the URL's shape before any connection attempt, with a message that never shows the password. */
export function checkPostgresUrl(location: string): void {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new Error(`--db ${redactUrl(location)} is not a valid PostgreSQL URL (expected postgres://user:password@host:5432/dbname)`);
  }
  if (url.hostname === '' && !url.searchParams.has('host')) throw new Error(`--db ${redactUrl(location)} names no host (expected postgres://user:password@host:5432/dbname)`);
  if (url.pathname.replace(/^\//, '') === '') throw new Error(`--db ${redactUrl(location)} names no database (expected postgres://user:password@host:5432/dbname)`);
}

// OIDs of the types pg would hand back as strings: int8 (count(*), bigint columns) and numeric
// (sum(bigint)). Every figure the collector stores is far below 2^53, so numbers are exact.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const toNumber = (text: string): number => Number(text);

/**
 * Type parsers for this pool only (pg's `types.setTypeParser` would change them for every pg
 * user in the process): int8 and numeric come back as numbers, as SQLite returns them.
 */
const collectorTypes: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return toNumber;
    return (format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format)) as (text: string) => unknown;
  }) as NonNullable<PoolConfig['types']>['getTypeParser'],
};

export interface PoolSettings {
  /** Connections at most. Default: 10. */
  max?: number;
  /** Fail a connection attempt after this long. Default: 5000 ms. */
  connectionTimeoutMillis?: number;
}

/** A pool with the collector's type parsers, timeouts, and an idle-error listener (without one pg crashes the process). */
export function createPool(location: string, settings: PoolSettings = {}, onIdleError: (error: Error) => void = () => undefined): Pool {
  const pool = new pg.Pool({
    connectionString: location,
    max: settings.max ?? 10,
    connectionTimeoutMillis: settings.connectionTimeoutMillis ?? 5000,
    // A query the server never answers (a network partition) fails instead of hanging ingest.
    query_timeout: 30_000,
    keepAlive: true,
    application_name: 'routetrace-collector',
    types: collectorTypes,
  });
  // A server restart closes idle connections: the pool drops them and reconnects on demand.
  pool.on('error', onIdleError);
  return pool;
}

/** SQLSTATE classes that mean "the store is unreachable or out of resources", not "the query is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/;

/**
 * pg throws connection failures as errors with a Node code (ECONNREFUSED), or none at all
 * ("Connection terminated unexpectedly", "timeout exceeded when trying to connect"). They get
 * SQLSTATE 08006 (connection_failure), so the HTTP layer maps every outage the same way.
 */
export function asStoreError(error: unknown): Error {
  const code = errorCodeOf(error);
  const message = describe(error);
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return error instanceof Error ? error : new Error(message);
  return Object.assign(new Error(`PostgreSQL connection failed: ${message}`, { cause: error }), { code: '08006' });
}

/** Node reports a refused connection to a name with several addresses as an AggregateError with no message of its own. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message !== '' ? error.message : (errorCodeOf(error) ?? error.name);
  return String(error);
}

/** True for errors asStoreError marks as an outage (or the server reports as one). */
export function isUnavailable(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && UNAVAILABLE_SQLSTATE.test(code);
}

/** `?` placeholders (what the shared read queries use) as PostgreSQL's `$1…$n`, outside quoted text. */
export function numberPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      out += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else if (char === '?') {
      out += `$${++n}`;
    } else {
      out += char;
    }
  }
  return out;
}
