import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';
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
  readonly #upsert: Statement<UpsertParams>;
  readonly #deleteEmpty: Statement<Array<string | number>>;

  constructor(db: SqliteDatabase) {
    db.function('hist_add', { deterministic: true }, addStored);
    const columns = [...KEY_COLUMNS, ...SUM_COLUMNS, 'duration_hist', 'ttft_hist'];
    const updates = [
      ...SUM_COLUMNS.map((column) => `${column} = rollups.${column} + excluded.${column}`),
      'duration_hist = hist_add(rollups.duration_hist, excluded.duration_hist)',
      'ttft_hist = hist_add(rollups.ttft_hist, excluded.ttft_hist)',
    ];
    this.#upsert = db.prepare(
      `INSERT INTO rollups (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
       ON CONFLICT (${KEY_COLUMNS.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
    );
    this.#deleteEmpty = db.prepare(`DELETE FROM rollups WHERE ${KEY_COLUMNS.map((column) => `${column} = ?`).join(' AND ')} AND requests = 0`);
  }

  apply(deltas: RollupDeltas): void {
    for (const delta of deltas.values()) {
      if (delta.requests === 0) continue;
      this.#upsert.run(...keyOf(delta), ...SUM_COLUMNS.map((column) => delta[column]), encodeHistogram(delta.duration_hist), encodeHistogram(delta.ttft_hist));
      if (delta.requests < 0) this.#deleteEmpty.run(...keyOf(delta));
    }
  }
}

function keyOf(delta: RollupDelta): Array<string | number> {
  return KEY_COLUMNS.map((column) => delta[column]);
}
