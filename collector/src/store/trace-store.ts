import { Kysely } from 'kysely';
import type { RoutingRecord } from '../../../shared/src/record.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { migrate } from './migrations.js';
import { RetentionSweeper, type RetentionPolicy } from './retention.js';
import type { StoreSchema } from './schema.js';
import { TraceQueries } from './trace-queries.js';
import { TraceStatsQuery } from './trace-stats.js';
import { TraceWriter, type BatchMeta, type WriteResult } from './trace-writer.js';
import { TransactionalSqliteDialect } from './transactional-dialect.js';

/**
 * The collector's database: one better-sqlite3 connection shared by kysely (schema, reads,
 * retention) and the raw insert statement. Nothing holds a kysely transaction across an
 * await after migration, so the two never interleave inside a transaction.
 */
export class TraceStore {
  readonly path: string;
  readonly raw: SqliteDatabase;
  readonly db: Kysely<StoreSchema>;
  readonly queries: TraceQueries;
  readonly stats: TraceStatsQuery;
  readonly retention: RetentionSweeper;
  readonly #writer: TraceWriter;
  /** Rows retained, kept in step by inserts and sweeps: tells ingest when the cap is passed. */
  #retainedEstimate = 0;

  private constructor(path: string, raw: SqliteDatabase, db: Kysely<StoreSchema>, policy: RetentionPolicy) {
    this.path = path;
    this.raw = raw;
    this.db = db;
    this.queries = new TraceQueries(db);
    this.stats = new TraceStatsQuery(db);
    this.retention = new RetentionSweeper(db, raw, path, policy);
    this.#writer = new TraceWriter(raw);
  }

  /** Opens (creating if needed) and migrates the database at `path`. */
  static async open(path: string, policy: RetentionPolicy): Promise<TraceStore> {
    const raw = openDatabase(path);
    const db = new Kysely<StoreSchema>({ dialect: new TransactionalSqliteDialect({ database: raw }) });
    try {
      await migrate(db as Kysely<unknown>);
    } catch (error) {
      await db.destroy();
      throw error;
    }
    const store = new TraceStore(path, raw, db, policy);
    store.#retainedEstimate = await store.queries.retainedCount();
    return store;
  }

  write(records: readonly RoutingRecord[], meta: BatchMeta): WriteResult {
    const result = this.#writer.write(records, meta);
    this.#retainedEstimate += result.accepted;
    return result;
  }

  get retainedEstimate(): number {
    return this.#retainedEstimate;
  }

  noteRemoved(rows: number): void {
    this.#retainedEstimate = Math.max(0, this.#retainedEstimate - rows);
  }

  async close(): Promise<void> {
    // Closes the better-sqlite3 connection too; the last checkpoint folds the WAL back in.
    await this.db.destroy();
  }
}
