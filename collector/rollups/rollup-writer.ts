import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';
import { BucketVersions } from './bucket-versions.js';
import { addStored, encodeHistogram } from './histogram.js';
import { KEY_COLUMNS, SUM_COLUMNS, type RollupDelta, type RollupDeltas } from './rollup-delta.js';

type UpsertParams = Array<string | number | Buffer>;

/**
 * Applies a batch's deltas to the `rollups` table: one upsert per distinct key (a 1,000-record
 * batch from 4 nodes touches ~16 keys), then removes the keys a subtraction emptied. Runs inside
 * the caller's transaction, so rollups and rows never disagree. The SQL is the standard
 * `INSERT … ON CONFLICT … DO UPDATE` PostgreSQL also speaks; only `hist_add` is a function
 * each store provides.
 */
export class RollupWriter {
  readonly #versions: BucketVersions;
  readonly #tables: Array<{ key: ReadonlyArray<keyof RollupDelta>; upsert: Statement<UpsertParams>; deleteEmpty: Statement<Array<string | number>> }>;

  constructor(db: SqliteDatabase) {
    db.function('hist_add', { deterministic: true }, addStored);
    this.#versions = new BucketVersions(db);
    const totalsKey = KEY_COLUMNS.filter((column) => column !== 'bucket_ms');
    this.#tables = (
      [
        ['rollups', KEY_COLUMNS],
        ['rollup_totals', totalsKey],
      ] as const
    ).map(([table, key]) => {
      const columns = [...key, ...SUM_COLUMNS, 'duration_hist', 'ttft_hist'];
      const updates = [
        ...SUM_COLUMNS.map((column) => `${column} = ${table}.${column} + excluded.${column}`),
        `duration_hist = hist_add(${table}.duration_hist, excluded.duration_hist)`,
        `ttft_hist = hist_add(${table}.ttft_hist, excluded.ttft_hist)`,
      ];
      return {
        key,
        upsert: db.prepare<UpsertParams>(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
           ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
        ),
        deleteEmpty: db.prepare<Array<string | number>>(`DELETE FROM ${table} WHERE ${key.map((column) => `${column} = ?`).join(' AND ')} AND requests = 0`),
      };
    });
  }

  /** Per-bucket rows first; the totals take the batch summed over its buckets; then the touched buckets' versions. */
  apply(deltas: RollupDeltas): void {
    const encoded = [...deltas.values()].filter((delta) => delta.requests !== 0);
    for (const [index, table] of this.#tables.entries()) {
      for (const delta of index === 0 ? encoded : deltas.totals()) {
        const key = table.key.map((column) => delta[column] as string | number);
        table.upsert.run(...key, ...SUM_COLUMNS.map((column) => delta[column]), encodeHistogram(delta.duration_hist), encodeHistogram(delta.ttft_hist));
        if (delta.requests < 0) table.deleteEmpty.run(...key);
      }
    }
    this.#versions.update(encoded);
  }
}
