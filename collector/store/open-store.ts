import { SqliteTraceStore } from './sqlite-store.js';
import type { RetentionPolicy, TraceStore } from './trace-store.js';

/** True when `location` names a PostgreSQL database (anything else is a SQLite file path). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Opens the store `location` names: a `postgres://` or `postgresql://` URL is a PostgreSQL
 * database (shared by several collectors); anything else is a SQLite file path (created with
 * its folder if missing). The PostgreSQL engine and its driver are loaded only for a URL: the
 * embedded default's event loop does not carry them (1.5 MB of heap that every major garbage
 * collection would mark).
 */
export async function openStore(location: string, policy: RetentionPolicy): Promise<TraceStore> {
  if (isPostgresUrl(location)) {
    const { PostgresTraceStore } = await import('./postgres/postgres-store.js');
    return PostgresTraceStore.open(location, policy);
  }
  return SqliteTraceStore.open(location, policy);
}
