import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';
import type { RollupDelta } from './rollup-delta.js';

/**
 * Bucket versions (migration 006): each bucket a batch changed gets the next value of the
 * `rollup_version` counter, in the batch's transaction; a bucket a subtraction emptied loses its
 * version row. One UPDATE plus one statement per touched bucket (one or two per batch).
 */
export class BucketVersions {
  readonly #next: Statement<[], number>;
  readonly #set: Statement<[number, number]>;
  readonly #drop: Statement<[number]>;
  readonly #hasRows: Statement<[number], number>;
  /** Touched buckets of the batch being applied, and whether rows were subtracted from each. */
  readonly #touched = new Map<number, boolean>();

  constructor(db: SqliteDatabase) {
    this.#next = db.prepare<[], number>("UPDATE counters SET value = value + 1 WHERE name = 'rollup_version' RETURNING value").pluck();
    this.#set = db.prepare('INSERT INTO rollup_versions (bucket_ms, version) VALUES (?, ?) ON CONFLICT (bucket_ms) DO UPDATE SET version = excluded.version');
    this.#drop = db.prepare('DELETE FROM rollup_versions WHERE bucket_ms = ?');
    this.#hasRows = db.prepare<[number], number>('SELECT 1 FROM rollups WHERE bucket_ms = ? LIMIT 1').pluck();
  }

  touch(deltas: readonly RollupDelta[]): void {
    this.#touched.clear();
    for (const delta of deltas) this.#touched.set(delta.bucket_ms, this.#touched.get(delta.bucket_ms) === true || delta.requests < 0);
  }

  /** After the rollup rows are written: new versions, or no version for a bucket left without rows. */
  commit(): void {
    if (this.#touched.size === 0) return;
    const version = this.#next.get();
    if (version === undefined) throw new Error("counters has no 'rollup_version' row (migration 006 did not run)");
    for (const [bucket, subtracted] of this.#touched) {
      if (subtracted && this.#hasRows.get(bucket) === undefined) this.#drop.run(bucket);
      else this.#set.run(bucket, version);
    }
    this.#touched.clear();
  }
}
