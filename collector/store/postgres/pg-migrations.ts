import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import type { Pool } from 'pg';
import { KEY_COLUMNS, SUM_COLUMNS } from '../../rollups/rollup-delta.js';

/** pg_advisory_lock key serializing migrations across collectors ('rtmigrat' as bytes). */
export const MIGRATION_LOCK_KEY = 0x72746d69_67726174n;

/**
 * `hist_add(a, b)`: two stored histograms (rollups/histogram.ts: little-endian (uint32 bin,
 * int32 count) pairs, bins ascending, no zero counts) added, byte for byte what the JS
 * `addStored` returns, so a rollup row is the same in both engines. Plain SQL (no extension,
 * no PL/pgSQL loop): the pairs of both sides grouped by bin.
 */
const HIST_ADD = `
CREATE FUNCTION hist_add(a bytea, b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
           substr(int4send(bin), 4, 1) || substr(int4send(bin), 3, 1) || substr(int4send(bin), 2, 1) || substr(int4send(bin), 1, 1) ||
           substr(int4send(total::int4), 4, 1) || substr(int4send(total::int4), 3, 1) || substr(int4send(total::int4), 2, 1) || substr(int4send(total::int4), 1, 1),
           ''::bytea ORDER BY bin), ''::bytea)
  FROM (
    SELECT bin, sum(count) AS total FROM (
      SELECT get_byte(h, i) + (get_byte(h, i + 1) << 8) + (get_byte(h, i + 2) << 16) + (get_byte(h, i + 3) << 24) AS bin,
             (get_byte(h, i + 4)::int8 + (get_byte(h, i + 5)::int8 << 8) + (get_byte(h, i + 6)::int8 << 16) + (get_byte(h, i + 7)::int8 << 24)
               - CASE WHEN get_byte(h, i + 7) >= 128 THEN 4294967296 ELSE 0 END) AS count
      FROM (VALUES (a), (b)) AS pair(h), generate_series(0, length(h) - 8, 8) AS i
    ) AS entries GROUP BY bin
  ) AS summed WHERE total <> 0
$$`;

const TRACE_COLUMNS = `
  seq bigint NOT NULL DEFAULT nextval('traces_seq'),
  record_id text NOT NULL,
  request_id text NOT NULL,
  node_id text NOT NULL,
  worker_url text NOT NULL,
  routing_policy text NOT NULL,
  status text NOT NULL CHECK (status IN ('completed', 'failed', 'cancelled', 'timeout')),
  timestamp_ms bigint NOT NULL,
  received_ms bigint NOT NULL,
  duration_ms double precision, ttft_ms double precision, http_status bigint, stream smallint,
  method text, path text, model text,
  prompt_tokens bigint, completion_tokens bigint, cached_tokens bigint, cache_hit smallint, cache_hit_rate double precision,
  queue_size bigint, worker_load bigint, prefix_match_rate double precision, attempts bigint,
  error text, proxy_id text, attribution text, dp_rank bigint, decision text, candidate_loads text`;

const ISO = (column: string): string => `to_char(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * PostgreSQL's schema history (its own: column types differ from SQLite's). Names sort in order;
 * never edit a released migration, add one. PostgreSQL runs DDL in transactions, so kysely wraps
 * each pending migration in one.
 */
export const PG_MIGRATIONS: Record<string, Migration> = {
  '001_schema': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE SEQUENCE traces_seq`.execute(db);
      // Range-partitioned by routing time (partitions.ts creates hourly ones on demand), so
      // retention drops whole partitions instead of deleting rows. A unique index on a
      // partitioned table must hold the partition key: idempotency is per (record_id, timestamp_ms).
      await sql.raw(`CREATE TABLE traces (${TRACE_COLUMNS}) PARTITION BY RANGE (timestamp_ms)`).execute(db);
      await sql`CREATE TABLE traces_default PARTITION OF traces DEFAULT`.execute(db);
      await sql`CREATE UNIQUE INDEX traces_record_id ON traces (record_id, timestamp_ms)`.execute(db);
      await sql`CREATE INDEX traces_seq_idx ON traces (seq)`.execute(db);
      await sql`CREATE INDEX traces_request_id ON traces (request_id, seq)`.execute(db);
      await sql`CREATE INDEX traces_timestamp ON traces (timestamp_ms)`.execute(db);
      await sql`CREATE INDEX traces_node_seq ON traces (node_id, seq)`.execute(db);
      await sql`CREATE INDEX traces_unsuccessful ON traces (status, seq) WHERE status <> 'completed'`.execute(db);

      await sql`CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL)`.execute(db);
      await sql`INSERT INTO counters (name, value) VALUES ('total_requests', 0), ('dropped_records', 0), ('retained_rows', 0), ('cached_tokens_clamped', 0)`.execute(db);

      const keyColumns = 'node_id text NOT NULL, routing_policy text NOT NULL, decision text NOT NULL, attribution text NOT NULL, cache_hit smallint NOT NULL';
      const sums = SUM_COLUMNS.map((column) => `${column} bigint NOT NULL`).join(', ');
      const hists = 'duration_hist bytea NOT NULL, ttft_hist bytea NOT NULL';
      const totalsKey = KEY_COLUMNS.filter((column) => column !== 'bucket_ms').join(', ');
      await sql.raw(`CREATE TABLE rollups (bucket_ms bigint NOT NULL, ${keyColumns}, ${sums}, ${hists}, PRIMARY KEY (${KEY_COLUMNS.join(', ')}))`).execute(db);
      await sql.raw(`CREATE TABLE rollup_totals (${keyColumns}, ${sums}, ${hists}, PRIMARY KEY (${totalsKey}))`).execute(db);
      await sql`CREATE INDEX rollups_node ON rollups (node_id, bucket_ms)`.execute(db);
      await sql`CREATE INDEX rollups_bucket ON rollups (bucket_ms)`.execute(db);
      await sql.raw(HIST_ADD).execute(db);

      // The same view of ISO times as SQLite's traces_view, for psql.
      await sql.raw(`CREATE VIEW traces_view AS
        SELECT seq, request_id, node_id, worker_url, routing_policy, status,
               ${ISO('timestamp_ms')} AS timestamp, ${ISO('received_ms')} AS received_at,
               duration_ms, ttft_ms, http_status, stream, method, path, model,
               prompt_tokens, completion_tokens, cached_tokens, cache_hit, cache_hit_rate,
               queue_size, worker_load, prefix_match_rate, attempts, error, proxy_id,
               attribution, dp_rank, decision, candidate_loads, record_id
        FROM traces`).execute(db);
    },
  },
};

/**
 * Brings the database to the latest schema. Collectors starting together take turns on a
 * session advisory lock (held on one connection for the whole run), so exactly one applies
 * each migration and the others find it done.
 */
export async function migratePostgres(pool: Pool): Promise<string[]> {
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    // kysely over the same pool, not destroyed afterwards (destroy would end the pool).
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(PG_MIGRATIONS) } });
    const { error, results = [] } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
    }
    return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    lock.release();
  }
}
