import type { Pool } from 'pg';
import type { StorageState } from '../storage-health.js';
import { columnAt, decodeRows } from '../row-mapping.js';
import type { CounterName, DiskUsage, MappedBatch, RetentionPolicy, StoredListener, TraceStore, WriteResult } from '../trace-store.js';
import { asStoreError, checkPostgresUrl, createPool, redactUrl } from './pg-connection.js';
import { migratePostgres } from './pg-migrations.js';
import { PartitionMaker } from './pg-partitions.js';
import { PgReads } from './pg-reads.js';
import { PgRetentionSweeper } from './pg-retention.js';
import { PgRollupWriter } from './pg-rollup-writer.js';
import { PgStorageHealth } from './pg-storage-health.js';
import { PgTraceWriter } from './pg-trace-writer.js';

const TIMESTAMP_AT = columnAt('timestamp_ms');

/**
 * The fleet store: one PostgreSQL database shared by any number of collectors. Same contract as
 * the SQLite store (trace-store.ts); what differs across collectors is in README "Running at
 * fleet scale": ingest is idempotent on (record_id, timestamp_ms), one collector sweeps at a
 * time, and each collector's live tail hears only the batches it stored itself.
 */
export class PostgresTraceStore implements TraceStore {
  readonly engine = 'postgres';
  readonly location: string;
  readonly pool: Pool;
  readonly queries: PgReads;
  readonly retention: PgRetentionSweeper;
  readonly #storage: PgStorageHealth;
  readonly #writer: PgTraceWriter;
  readonly #partitions: PartitionMaker;
  readonly #listeners = new Set<StoredListener>();

  private constructor(location: string, pool: Pool, policy: RetentionPolicy) {
    this.location = redactUrl(location);
    this.pool = pool;
    this.#storage = new PgStorageHealth(this.location);
    const rollups = new PgRollupWriter();
    this.#partitions = new PartitionMaker(pool);
    this.#writer = new PgTraceWriter(pool, rollups);
    this.queries = new PgReads(pool, (error) => this.#storage.recordContact(error));
    this.retention = new PgRetentionSweeper(pool, policy, rollups, this.#partitions);
  }

  /** Connects, migrates (serialized across collectors) and returns the store; errors never show the password. */
  static async open(location: string, policy: RetentionPolicy): Promise<PostgresTraceStore> {
    checkPostgresUrl(location);
    const pool = createPool(location);
    try {
      await migratePostgres(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      // pg's messages name host and port at most, never the password; the URL is shown redacted.
      throw new Error(`cannot use PostgreSQL at ${redactUrl(location)}: ${asStoreError(error).message}`, { cause: error });
    }
    return new PostgresTraceStore(location, pool, policy);
  }

  storageState(): StorageState {
    return this.#storage.state();
  }

  /** No local files: the server's own monitoring reports its disk. */
  diskUsage(): DiskUsage | undefined {
    return undefined;
  }

  countRows(): Promise<number> {
    return this.counter('retained_rows');
  }

  async counter(name: CounterName): Promise<number> {
    try {
      const result = await this.pool.query<{ value: number }>('SELECT value FROM counters WHERE name = $1', [name]);
      this.#storage.recordContact(undefined);
      return result.rows[0]?.value ?? 0;
    } catch (error) {
      const storeError = asStoreError(error);
      this.#storage.recordContact(storeError);
      throw storeError;
    }
  }

  onStored(listener: StoredListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async write(batch: MappedBatch): Promise<WriteResult> {
    // The rows are the ingest thread's JSON text of InsertRow[] (collector/ingest/batch-check.ts).
    const rows = decodeRows(batch.rowsJson);
    const { meta } = batch;
    let result: WriteResult;
    try {
      await this.#partitions.ensure(rows.map((row) => Number(row[TIMESTAMP_AT])), meta.receivedMs - this.retention.policy.traceTtlSeconds * 1000);
      result = await this.#writer.write(rows, meta, this.#listeners.size > 0);
    } catch (error) {
      const storeError = asStoreError(error);
      this.#storage.recordWrite(storeError);
      throw storeError;
    }
    this.#storage.recordWrite(undefined);
    if (result.stored.length > 0) {
      for (const listener of this.#listeners) {
        try {
          listener(result.stored);
        } catch {
          // A live-tail consumer's bug must not fail the batch that was already committed.
        }
      }
    }
    return result;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
