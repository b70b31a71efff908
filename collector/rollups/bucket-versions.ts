import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';
import type { RollupDelta } from './rollup-delta.js';

/**
 * Bucket versions (migration 006): each bucket a batch changed gets the next value of
 * `rollup_version_counter`, in the batch's transaction; a bucket a subtraction emptied loses its
 * version row. One UPDATE plus one statement per touched bucket (one or two per batch).
 */
export class BucketVersions {
  readonly #next: Statement<[], number>;
  readonly #set: Statement<[number, number]>;
  readonly #drop: Statement<[number]>;
  readonly #hasRows: Statement<[number], number>;

  constructor(db: SqliteDatabase) {
    this.#next = db.prepare<[], number>('UPDATE rollup_version_counter SET value = value + 1 RETURNING value').pluck();
    this.#set = db.prepare('INSERT INTO rollup_versions (bucket_ms, version) VALUES (?, ?) ON CONFLICT (bucket_ms) DO UPDATE SET version = excluded.version');
    this.#drop = db.prepare('DELETE FROM rollup_versions WHERE bucket_ms = ?');
    this.#hasRows = db.prepare<[number], number>('SELECT 1 FROM rollups WHERE bucket_ms = ? LIMIT 1').pluck();
  }

  /** After a batch's rollup rows are written (same transaction): new versions, or none for a bucket left without rows. */
  update(deltas: readonly RollupDelta[]): void {
    // Per touched bucket: whether rows were subtracted from it (only then can it be empty).
    const touched = new Map<number, boolean>();
    for (const delta of deltas) touched.set(delta.bucket_ms, touched.get(delta.bucket_ms) === true || delta.requests < 0);
    if (touched.size === 0) return;
    const version = this.#next.get();
    if (version === undefined) throw new Error('rollup_version_counter has no row (migration 006 did not run)');
    for (const [bucket, subtracted] of touched) {
      if (subtracted && this.#hasRows.get(bucket) === undefined) this.#drop.run(bucket);
      else this.#set.run(bucket, version);
    }
  }
}
