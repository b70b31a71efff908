import { errorCodeOf } from '#shared/guards.js';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * The write connection never waits for a lock. better-sqlite3 waits synchronously: on the event
 * loop, a `sqlite3` shell holding a write transaction blocked it 1 s per write attempt (issue 14
 * item 8). On the writer thread it would hold every batch queued behind one. A write that finds
 * the database locked answers 503 at once and the proxy's retry does the waiting.
 */
export const WRITE_BUSY_TIMEOUT_MS = 0;
/** The read connection lives on its own thread: waiting there blocks no one. */
export const READ_BUSY_TIMEOUT_MS = 2000;
/** After a checkpoint, SQLite truncates the -wal file back to this size. */
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * The writer thread checkpoints once the WAL holds this many pages (16 MiB of 4 KiB pages).
 * Being the writer, its checkpoint never races a write, so it always completes (unless a read
 * still uses older pages) and the WAL restarts from the top: its size stays near this bound.
 */
export const WRITER_CHECKPOINT_PAGES = 4096;

function failure(path: string, error: unknown): Error {
  const code = errorCodeOf(error) ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return corruptDatabaseError(path, code);
  return new Error(`cannot open ${path} as a SQLite database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** What the operator reads when the file is damaged: which file, and what to do about it. */
export function corruptDatabaseError(path: string, detail: string): Error {
  return new Error(
    `database ${path} is corrupt (${detail}). Stop every process using it, move ${path} (and its -wal and -shm files) aside ` +
      `or restore a backup made with "sqlite3 ${path} .backup", then start again: a missing file is created empty.`,
  );
}

export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (error) {
    throw failure(path, error);
  }
  try {
    db.pragma('journal_mode = WAL');
    // The connection that switches to WAL keeps synchronous=FULL unless told otherwise.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    // No automatic checkpoint on the connections the event loop holds: one runs inside the
    // committing write and fsyncs (measured 697 ms on the event loop). The writer thread turns
    // it back on for its own connection (store/write-worker.ts).
    if (path !== ':memory:') db.pragma('wal_autocheckpoint = 0');
  } catch (error) {
    db.close();
    throw failure(path, error);
  }
  return db;
}

/**
 * `PRAGMA quick_check` at start: a damaged file is refused with a clear message instead of
 * answering 500 on every read later. It reads the whole file (cost in README "Storage").
 */
export function checkIntegrity(db: SqliteDatabase, path: string): void {
  let problems: string[];
  try {
    const rows = db.pragma('quick_check(5)') as unknown[];
    problems = rows.map((row) => String(typeof row === 'object' && row !== null ? Object.values(row)[0] : row));
  } catch (error) {
    throw failure(path, error);
  }
  if (problems.length !== 1 || problems[0] !== 'ok') throw corruptDatabaseError(path, `quick_check: ${problems.join('; ').replaceAll('\n', '; ')}`);
}

/** A second connection for reads, on the reader thread; WAL lets it read while the writer writes. */
export function openReadOnly(path: string): SqliteDatabase {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
  return db;
}
