import type { SqliteDatabase } from '../store/database.js';

/**
 * Runs one read inside one SQLite read transaction, so its several statements see one snapshot.
 * Stats reads the counters, the per-node sums, the details and oldest/newest in separate
 * statements; outside a transaction each statement sees the database as it is at that moment,
 * and a batch committed between two of them showed in some figures and not others (e.g.
 * `active_traces` ≠ the sum of `requests_per_node`). In WAL mode a read transaction keeps the
 * snapshot of its first statement and never blocks the writer. PostgreSQL's reads do the same
 * with REPEATABLE READ (store/postgres/pg-reads.ts).
 *
 * The caller must not start a second read on the connection before this one settles (the reader
 * thread runs its reads one at a time: read-worker.ts).
 */
export async function inReadSnapshot<T>(db: SqliteDatabase, read: () => Promise<T>): Promise<T> {
  db.exec('BEGIN');
  try {
    return await read();
  } finally {
    // A read transaction has nothing to write: COMMIT only ends the snapshot.
    if (db.inTransaction) db.exec('COMMIT');
  }
}
