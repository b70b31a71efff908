import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * 006: a version per 60 s rollup bucket, so the reader thread can keep the time-series points
 * of buckets that did not change since its last call (reads/timeseries-cache.ts). Every change
 * to a bucket's rollup rows (a batch, a TTL sweep, a cap trim) goes through RollupWriter.apply,
 * which sets the bucket's version to the next value of one counter (`rollup_version_counter`):
 * versions never repeat, even for a bucket whose row was removed and later made again. A
 * bucket without a version row has no rollup rows. SQLite only: PostgreSQL reads every bucket
 * each call.
 */
export const rollupVersionMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE rollup_versions (bucket_ms INTEGER PRIMARY KEY, version INTEGER NOT NULL)`.execute(db);
    await sql`INSERT INTO rollup_versions (bucket_ms, version) SELECT DISTINCT bucket_ms, 1 FROM rollups`.execute(db);
    // Its own one-row table, not a row of `counters`: those are the figures stats and /metrics
    // report, the same in both engines.
    await sql`CREATE TABLE rollup_version_counter (value INTEGER NOT NULL)`.execute(db);
    await sql`INSERT INTO rollup_version_counter (value) VALUES (1)`.execute(db);
  },
};
