import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * 005: rollups maintained on write (see rollups/rollup-writer.ts), the retained-row count kept
 * as a counter (count(*) took 32 ms at 5M rows once the index outgrew the page cache), and an
 * index on (node_id, seq) for `?node_id=` pages (it replaces (node_id, timestamp_ms): a node's
 * page sorted by seq took 212 ms at 5M rows through the old one), and a partial index of the
 * rows that did not complete, so `status=failed` pages stay short when failures are rare.
 */
export const rollupMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rollups')
      .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('routing_policy', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('attribution', 'text', (c) => c.notNull())
      .addColumn('cache_hit', 'integer', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('completed', 'bigint', (c) => c.notNull())
      .addColumn('failed', 'bigint', (c) => c.notNull())
      .addColumn('cancelled', 'bigint', (c) => c.notNull())
      .addColumn('timeout', 'bigint', (c) => c.notNull())
      .addColumn('retries', 'bigint', (c) => c.notNull())
      .addColumn('cached_sum', 'bigint', (c) => c.notNull())
      .addColumn('prompt_sum', 'bigint', (c) => c.notNull())
      .addColumn('queue_sum', 'bigint', (c) => c.notNull())
      .addColumn('queue_count', 'bigint', (c) => c.notNull())
      .addColumn('match_count', 'bigint', (c) => c.notNull())
      .addColumn('match_sum', 'bigint', (c) => c.notNull())
      .addColumn('match_cached_sum', 'bigint', (c) => c.notNull())
      .addColumn('match_prompt_sum', 'bigint', (c) => c.notNull())
      .addColumn('duration_hist', 'blob', (c) => c.notNull())
      .addColumn('ttft_hist', 'blob', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollups_key', ['bucket_ms', 'node_id', 'routing_policy', 'decision', 'attribution', 'cache_hit'])
      .execute();
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
