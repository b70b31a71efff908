import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * How long a write waits for another writer (say a `sqlite3` shell holding a write
 * transaction). better-sqlite3 waits synchronously, blocking the event loop, so this stays
 * short; a write that still finds the database locked answers 503 and the proxy retries.
 */
export const BUSY_TIMEOUT_MS = 1000;
/** After a checkpoint, SQLite truncates the -wal file back to this size. */
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // The connection that switches to WAL keeps synchronous=FULL unless told otherwise.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
  } catch (error) {
    db.close();
    throw new Error(`cannot open ${path} as a SQLite database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return db;
}
