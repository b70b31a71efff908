import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { KEY_COLUMNS, SUM_COLUMNS } from './rollup-delta.js';

/**
 * 005: rollups maintained on write (see rollups/rollup-writer.ts), the retained-row count kept
 * as a counter (count(*) took 32 ms at 5M rows once the index outgrew the page cache), and an
 * index on (node_id, seq) for `?node_id=` pages (it replaces (node_id, timestamp_ms): a node's
 * page sorted by seq took 212 ms at 5M rows through the old one), and a partial index of the
 * rows that did not complete, so `status=failed` pages stay short when failures are rare.
 */
export const rollupMigration: Migration = {
  async up(db: Kysely<unknown>) {
    // rollups: per 60 s bucket (windows, time series). rollup_totals: the same sums over
    // everything retained, so stats without a window read one row per key, not one per bucket.
    const keyColumns = 'node_id TEXT NOT NULL, routing_policy TEXT NOT NULL, decision TEXT NOT NULL, attribution TEXT NOT NULL, cache_hit INTEGER NOT NULL';
    const sums = SUM_COLUMNS.map((column) => `${column} BIGINT NOT NULL`).join(', ');
    const hists = 'duration_hist BLOB NOT NULL, ttft_hist BLOB NOT NULL';
    const totalsKey = KEY_COLUMNS.filter((column) => column !== 'bucket_ms').join(', ');
    await sql.raw(`CREATE TABLE rollups (bucket_ms BIGINT NOT NULL, ${keyColumns}, ${sums}, ${hists}, PRIMARY KEY (${KEY_COLUMNS.join(', ')}))`).execute(db);
    await sql.raw(`CREATE TABLE rollup_totals (${keyColumns}, ${sums}, ${hists}, PRIMARY KEY (${totalsKey}))`).execute(db);
    await db.schema.createIndex('rollups_node').on('rollups').columns(['node_id', 'bucket_ms']).execute();
    await db.schema.dropIndex('traces_node').execute();
    await db.schema.createIndex('traces_node_seq').on('traces').columns(['node_id', 'seq']).execute();
    await sql`CREATE INDEX traces_unsuccessful ON traces (status, seq) WHERE status <> 'completed'`.execute(db);
    await sql`INSERT INTO counters (name, value)
              SELECT 'retained_rows', count(*) FROM traces
              UNION ALL SELECT 'cached_tokens_clamped', 0`.execute(db);
    // Rollups for rows stored before this migration are built by the store at open (it owns
    // the histogram code): see TraceStore.open.
  },
};
