import { isPostgresUrl } from './postgres/pg-connection.js';
import { PostgresTraceStore } from './postgres/postgres-store.js';
import { SqliteTraceStore } from './sqlite-store.js';
import type { RetentionPolicy, TraceStore } from './trace-store.js';

/**
 * Opens the store `location` names: a `postgres://` or `postgresql://` URL is a PostgreSQL
 * database (shared by several collectors); anything else is a SQLite file path (created with
 * its folder if missing).
 */
export async function openStore(location: string, policy: RetentionPolicy): Promise<TraceStore> {
  if (isPostgresUrl(location)) return PostgresTraceStore.open(location, policy);
  return SqliteTraceStore.open(location, policy);
}
