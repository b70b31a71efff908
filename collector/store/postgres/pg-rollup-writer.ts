import type { PoolClient } from 'pg';
import { addEncoded, emptyHistogram, encodeHistogram } from '../../rollups/histogram.js';
import { KEY_COLUMNS, SUM_COLUMNS, type RollupDelta, type RollupDeltas } from '../../rollups/rollup-delta.js';

const TOTALS_KEY = KEY_COLUMNS.filter((column) => column !== 'bucket_ms');
const KEY_TYPES: Record<(typeof KEY_COLUMNS)[number], string> = {
  bucket_ms: 'int8', node_id: 'text', routing_policy: 'text', decision: 'text', attribution: 'text', cache_hit: 'int2',
};

/** One upsert for a whole batch: columns as arrays through unnest (a fixed number of parameters whatever the batch size). */
function upsertText(table: string, key: ReadonlyArray<(typeof KEY_COLUMNS)[number]>): string {
  const columns = [...key, ...SUM_COLUMNS, 'duration_hist', 'ttft_hist'];
  const types = [...key.map((column) => KEY_TYPES[column]), ...SUM_COLUMNS.map(() => 'int8'), 'bytea', 'bytea'];
  const updates = [
    ...SUM_COLUMNS.map((column) => `${column} = ${table}.${column} + excluded.${column}`),
    `duration_hist = hist_add(${table}.duration_hist, excluded.duration_hist)`,
    `ttft_hist = hist_add(${table}.ttft_hist, excluded.ttft_hist)`,
  ];
  return `INSERT INTO ${table} (${columns.join(', ')})
          SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
          ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
}

const compareKeys = (key: ReadonlyArray<keyof RollupDelta>) => (a: RollupDelta, b: RollupDelta): number => {
  for (const column of key) {
    const x = a[column] as string | number;
    const y = b[column] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
};

/**
 * PostgreSQL's rollup writer: the same deltas as SQLite's (rollups/rollup-delta.ts), applied in
 * the caller's transaction with one `INSERT … ON CONFLICT DO UPDATE` per table, the histograms
 * merged by the `hist_add` SQL function (migration 001). Rows go in key order: two collectors
 * upserting overlapping keys then lock them in the same order instead of deadlocking.
 *
 * Measured alternative, not kept: upsert the sums RETURNING the stored histograms, merge them
 * in JS, UPDATE them back under the same row locks. One sender: 8 ms of rollup work per
 * 1,000-record batch instead of 34 ms. But the bench's 1M-row fill (four senders) took 338 s
 * instead of 58 s: every batch then writes two versions of each hot rollup_totals row and
 * holds those locks over two more round trips (our reading of it; not profiled further).
 */
export class PgRollupWriter {
  readonly #tables = [
    { key: KEY_COLUMNS, text: upsertText('rollups', KEY_COLUMNS), emptied: 'DELETE FROM rollups WHERE requests = 0 AND bucket_ms >= $1 AND bucket_ms <= $2' },
    { key: TOTALS_KEY, text: upsertText('rollup_totals', TOTALS_KEY), emptied: 'DELETE FROM rollup_totals WHERE requests = 0' },
  ] as const;

  /** Per-bucket rows first; the totals take the batch summed over its buckets. */
  async apply(client: PoolClient, deltas: RollupDeltas): Promise<void> {
    const perBucket = [...deltas.values()].filter((delta) => delta.requests !== 0);
    if (perBucket.length === 0) return;
    await this.#upsert(client, 0, perBucket);
    await this.#upsert(client, 1, deltas.totals());
  }

  /** Subtracts rollup rows deleted as a whole (a dropped partition's hours) from rollup_totals. */
  async subtractTotals(client: PoolClient, removed: readonly StoredRollupRow[]): Promise<void> {
    await this.#upsert(client, 1, negatedTotals(removed).filter((delta) => delta.requests !== 0));
  }

  async #upsert(client: PoolClient, index: 0 | 1, deltas: RollupDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    const table = this.#tables[index];
    const rows = deltas.sort(compareKeys(table.key));
    const columns: unknown[][] = [
      ...table.key.map((column) => rows.map((row) => row[column])),
      ...SUM_COLUMNS.map((column) => rows.map((row) => row[column])),
      rows.map((row) => encodeHistogram(row.duration_hist)),
      rows.map((row) => encodeHistogram(row.ttft_hist)),
    ];
    await client.query(table.text, columns);
    if (rows.some((row) => row.requests < 0)) {
      const buckets = rows.map((row) => row.bucket_ms);
      await client.query(table.emptied, index === 0 ? [Math.min(...buckets), Math.max(...buckets)] : []);
    }
  }
}

/** A rollup row as read back from the database (sums as numbers, histograms as bytes). */
export type StoredRollupRow = Record<(typeof KEY_COLUMNS)[number] | (typeof SUM_COLUMNS)[number], number | string> & {
  duration_hist: Uint8Array;
  ttft_hist: Uint8Array;
};

/**
 * Whole rollup rows removed (their partition dropped) as negative deltas: what rollup_totals
 * must lose. Exact without touching a trace row: the rollup rows of an hour are that hour's sums.
 */
export function negatedTotals(removed: readonly StoredRollupRow[]): RollupDelta[] {
  const byKey = new Map<string, RollupDelta>();
  for (const row of removed) {
    const id = TOTALS_KEY.map((column) => String(row[column])).join('\u0000');
    let delta = byKey.get(id);
    if (delta === undefined) {
      delta = {
        bucket_ms: 0, node_id: String(row.node_id), routing_policy: String(row.routing_policy), decision: String(row.decision),
        attribution: String(row.attribution), cache_hit: Number(row.cache_hit),
        requests: 0, completed: 0, failed: 0, cancelled: 0, timeout: 0, retries: 0, cached_sum: 0, prompt_sum: 0, queue_sum: 0,
        queue_count: 0, match_count: 0, match_sum: 0, match_cached_sum: 0, match_prompt_sum: 0,
        duration_hist: emptyHistogram(), ttft_hist: emptyHistogram(),
      };
      byKey.set(id, delta);
    }
    for (const column of SUM_COLUMNS) delta[column] -= Number(row[column]);
    const duration = emptyHistogram();
    const ttft = emptyHistogram();
    addEncoded(duration, row.duration_hist);
    addEncoded(ttft, row.ttft_hist);
    for (let i = 0; i < duration.length; i++) {
      delta.duration_hist[i] = (delta.duration_hist[i] ?? 0) - (duration[i] ?? 0);
      delta.ttft_hist[i] = (delta.ttft_hist[i] ?? 0) - (ttft[i] ?? 0);
    }
  }
  return [...byKey.values()];
}
