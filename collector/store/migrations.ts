import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { rollupMigration } from '../rollups/rollup-migration.js';
import { rollupVersionMigration } from '../rollups/rollup-version-migration.js';

/**
 * Schema history, oldest first. Names sort in order; never edit a released migration, add one.
 * All pending migrations run in one transaction (see transactional-dialect.ts), so an upgrade
 * either completes or leaves the previous schema untouched.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '001_create_traces': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('traces')
        // AUTOINCREMENT: a seq is never reused after retention deletes the newest rows, so the
        // `before=<seq>` cursor stays monotonic.
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('record_id', 'text', (c) => c.notNull().unique())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('worker_url', 'text', (c) => c.notNull())
        .addColumn('routing_policy', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status IN ('completed', 'failed', 'cancelled', 'timeout')`),
        )
        .addColumn('timestamp_ms', 'integer', (c) => c.notNull())
        .addColumn('received_ms', 'integer', (c) => c.notNull())
        .addColumn('duration_ms', 'real')
        .addColumn('ttft_ms', 'real')
        .addColumn('http_status', 'integer')
        .addColumn('stream', 'integer')
        .addColumn('method', 'text')
        .addColumn('path', 'text')
        .addColumn('model', 'text')
        .addColumn('prompt_tokens', 'integer')
        .addColumn('completion_tokens', 'integer')
        .addColumn('cached_tokens', 'integer')
        .addColumn('cache_hit', 'integer')
        .addColumn('cache_hit_rate', 'real')
        .addColumn('queue_size', 'integer')
        .addColumn('worker_load', 'integer')
        .addColumn('prefix_match_rate', 'real')
        .addColumn('attempts', 'integer')
        .addColumn('error', 'text')
        .addColumn('proxy_id', 'text')
        .addColumn('attribution', 'text')
        .execute();
      await db.schema.createIndex('traces_request_id').on('traces').columns(['request_id', 'seq']).execute();
      await db.schema.createIndex('traces_timestamp').on('traces').column('timestamp_ms').execute();
      await db.schema.createIndex('traces_node').on('traces').columns(['node_id', 'timestamp_ms']).execute();
    },
  },
  '002_create_counters': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();
      // A database from 001 already holds records: they count as accepted.
      await sql`INSERT INTO counters (name, value)
                SELECT 'total_requests', count(*) FROM traces
                UNION ALL SELECT 'dropped_records', 0`.execute(db);
    },
  },
  '003_create_traces_view': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE VIEW traces_view AS
        SELECT seq, request_id, node_id, worker_url, routing_policy, status,
               strftime('%Y-%m-%dT%H:%M:%fZ', timestamp_ms / 1000.0, 'unixepoch') AS timestamp,
               strftime('%Y-%m-%dT%H:%M:%fZ', received_ms / 1000.0, 'unixepoch') AS received_at,
               duration_ms, ttft_ms, http_status, stream, method, path, model,
               prompt_tokens, completion_tokens, cached_tokens, cache_hit, cache_hit_rate,
               queue_size, worker_load, prefix_match_rate, attempts, error, proxy_id,
               attribution, record_id
        FROM traces`.execute(db);
    },
  },
  '004_routing_decision': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('traces').addColumn('dp_rank', 'integer').execute();
      await db.schema.alterTable('traces').addColumn('decision', 'text').execute();
      await db.schema.alterTable('traces').addColumn('candidate_loads', 'text').execute();
      await sql`DROP VIEW traces_view`.execute(db);
      await sql`CREATE VIEW traces_view AS
        SELECT seq, request_id, node_id, worker_url, routing_policy, status,
               strftime('%Y-%m-%dT%H:%M:%fZ', timestamp_ms / 1000.0, 'unixepoch') AS timestamp,
               strftime('%Y-%m-%dT%H:%M:%fZ', received_ms / 1000.0, 'unixepoch') AS received_at,
               duration_ms, ttft_ms, http_status, stream, method, path, model,
               prompt_tokens, completion_tokens, cached_tokens, cache_hit, cache_hit_rate,
               queue_size, worker_load, prefix_match_rate, attempts, error, proxy_id,
               attribution, dp_rank, decision, candidate_loads, record_id
        FROM traces`.execute(db);
    },
  },
  '005_rollups': rollupMigration,
  '006_rollup_versions': rollupVersionMigration,
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1) ?? '';

/** Brings the database to `target` (default: the latest); throws with the failing migration's error. */
export async function migrate(db: Kysely<unknown>, target: string = LATEST_MIGRATION): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(MIGRATIONS) } });
  const { error, results = [] } = await migrator.migrateTo(target);
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
