import { statSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { StoredTrace } from '#shared/api-types.js';
import { isRecord } from '#shared/guards.js';
import type { RoutingRecord } from '#shared/record.js';
import { ReadPool } from '../reads/read-pool.js';
import type { TraceReads } from '../reads/trace-reader.js';
import { rebuildRollups } from '../rollups/rollup-rebuild.js';
import { RollupWriter } from '../rollups/rollup-writer.js';
import { checkIntegrity, JOURNAL_SIZE_LIMIT_BYTES, openDatabase, type SqliteDatabase } from './database.js';
import { migrate } from './migrations.js';
import type { DeleteStep } from './retention-deletes.js';
import { RetentionSweeper } from './retention.js';
import { recordToRow } from './row-mapping.js';
import type { StoreSchema } from './schema.js';
import { StorageHealth, type StorageState } from './storage-health.js';
import type { BatchMeta, CounterName, DiskUsage, MappedBatch, RetentionPolicy, StoredListener, TraceStore, WriteResult } from './trace-store.js';
import { TraceWriter } from './trace-writer.js';
import { TransactionalSqliteDialect } from './transactional-dialect.js';
import { CollectorThreadError, transferable } from '../threads/collector-thread.js';
import { WriterThread } from './writer-thread.js';

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

type Counters = Record<CounterName, number>;

function toCounters(values: Record<string, number>): Counters {
  const of = (name: CounterName): number => Number(values[name] ?? 0);
  return { total_requests: of('total_requests'), dropped_records: of('dropped_records'), retained_rows: of('retained_rows'), cached_tokens_clamped: of('cached_tokens_clamped') };
}

function isWriteResult(value: unknown): value is WriteResult {
  return isRecord(value) && typeof value.accepted === 'number' && typeof value.duplicates === 'number' && Array.isArray(value.stored);
}

function isDeleteStep(value: unknown): value is DeleteStep {
  return isRecord(value) && typeof value.deleted === 'number' && typeof value.tookMs === 'number';
}

/**
 * The embedded store: one SQLite file and three connections. Writes (ingest batches, retention
 * deletes) run on a writer thread that owns the write connection (write-worker.ts); reads on a
 * reader thread with a read-only one (reads/read-worker.ts); bodies are checked and mapped to
 * rows on the ingest thread (ingest/). The event loop only hands buffers between threads and
 * waits, so neither a batch's transaction nor a query stalls it. A third
 * connection here opens, checks and migrates the file at start, and serves tests and tools.
 */
export class SqliteTraceStore implements TraceStore {
  readonly engine = 'sqlite';
  readonly location: string;
  /** A connection on the event loop, for tests and tools that inspect the file (never for serving). */
  readonly raw: SqliteDatabase;
  readonly db: Kysely<StoreSchema>;
  readonly queries: TraceReads;
  readonly retention: RetentionSweeper;
  /** The writer thread (exposed so tests can stop it as a crash would). */
  readonly writer: WriterThread;
  readonly #reads: ReadPool;
  readonly #storage: StorageHealth;
  readonly #listeners = new Set<StoredListener>();
  #counters: Counters;
  /** Resolves when the writer thread sends stored rows back for every later write (see onStored). */
  #listening: Promise<void> = Promise.resolve();
  #syncWriter: TraceWriter | undefined;
  #countersQuery: Statement<[], [string, number]> | undefined;

  private constructor(path: string, raw: SqliteDatabase, db: Kysely<StoreSchema>, policy: RetentionPolicy) {
    this.location = path;
    this.raw = raw;
    this.db = db;
    this.#counters = this.#readCounters();
    this.writer = new WriterThread(path, (values) => {
      this.#counters = toCounters(values);
    });
    this.writer.start();
    const reads = new ReadPool(path);
    reads.start();
    this.#reads = reads;
    this.queries = {
      list: (filter) => reads.list(filter),
      byRequestId: (requestId, limit) => reads.byRequestId(requestId, limit),
      stats: (options) => reads.stats(options),
      timeseriesJson: (options) => reads.timeseriesJson(options),
      // A resume reads only once the writer has switched to sending rows back: every batch is
      // then either committed before this read's snapshot or handed to the listener.
      replay: async (afterSeq, filter, pageSize) => {
        await this.#listening;
        return reads.replay(afterSeq, filter, pageSize);
      },
    };
    this.retention = new RetentionSweeper(
      {
        deleteExpired: async (cutoffMs, limit) => this.#deleteStep(await this.writer.request({ op: 'deleteExpired', cutoffMs, limit })),
        deleteOldest: async (limit) => this.#deleteStep(await this.writer.request({ op: 'deleteOldest', limit })),
        countRows: () => this.#counters.retained_rows,
      },
      path,
      policy,
    );
    this.#storage = new StorageHealth(path);
  }

  /** Opens (creating if needed), checks and migrates the database at `path`. */
  static async open(path: string, policy: RetentionPolicy): Promise<SqliteTraceStore> {
    if (path === ':memory:') throw new Error('the collector needs a database file: an in-memory database cannot be shared with its reader and writer threads');
    const raw = openDatabase(path);
    const db = new Kysely<StoreSchema>({ dialect: new TransactionalSqliteDialect({ database: raw }) });
    try {
      checkIntegrity(raw, path);
      await migrate(db as Kysely<unknown>);
      rebuildRollups(raw);
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return new SqliteTraceStore(path, raw, db, policy);
  }

  /** Records retained now: the counter as the last write or delete left it (count(*) took 32 ms at 5M rows). */
  countRows(): Promise<number> {
    return Promise.resolve(this.#counters.retained_rows);
  }

  counter(name: CounterName): Promise<number> {
    return Promise.resolve(this.#counters[name]);
  }

  storageState(): StorageState {
    return this.#storage.state();
  }

  diskUsage(): DiskUsage {
    return { dbBytes: fileSize(this.location), walBytes: fileSize(`${this.location}-wal`) };
  }

  onStored(listener: StoredListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#listening = this.writer.setListening(true).catch(() => undefined);
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      void this.writer.setListening(false).catch(() => undefined);
    };
  }

  /** The writer thread runs the transaction; the rows' bytes are handed to it, not copied. */
  async write(batch: MappedBatch): Promise<WriteResult> {
    let result: unknown;
    try {
      result = await this.writer.request({ op: 'write', rows: batch.rowsJson, meta: batch.meta }, transferable(batch.rowsJson));
      if (!isWriteResult(result)) throw new CollectorThreadError('the writer thread answered an unexpected shape', 'SQLITE_IOERR');
    } catch (error) {
      this.#storage.recordWrite(error);
      throw error;
    }
    this.#storage.recordWrite(undefined);
    this.#notify(result.stored);
    return result;
  }

  /**
   * The same write, synchronous, on this thread's connection: for tools and benches that fill a
   * file before serving (the writer thread must be idle: the write lock is never waited for).
   */
  writeNow(records: readonly RoutingRecord[], meta: BatchMeta): WriteResult {
    this.#syncWriter ??= new TraceWriter(this.raw, new RollupWriter(this.raw));
    const rows = records.map((record) => recordToRow(record, meta.receivedMs, meta.proxyId));
    const result = this.#syncWriter.write(rows, meta, this.#listeners.size > 0);
    this.#counters = this.#readCounters();
    // This connection has no automatic checkpoint (it serves the event loop).
    if (fileSize(`${this.location}-wal`) > JOURNAL_SIZE_LIMIT_BYTES) this.raw.pragma('wal_checkpoint(TRUNCATE)');
    this.#notify(result.stored);
    return result;
  }

  async close(): Promise<void> {
    await this.#reads.close();
    await this.writer.close();
    // Closes the event loop's connection too: the last one to close folds the WAL back in.
    await this.db.destroy();
  }

  #notify(stored: StoredTrace[]): void {
    if (stored.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(stored);
      } catch {
        // A live-tail consumer's bug must not fail the batch that was already committed.
      }
    }
  }

  #deleteStep(value: unknown): DeleteStep {
    if (!isDeleteStep(value)) throw new CollectorThreadError('the writer thread answered an unexpected shape', 'SQLITE_IOERR');
    return value;
  }

  #readCounters(): Counters {
    this.#countersQuery ??= this.raw.prepare<[], [string, number]>('SELECT name, value FROM counters').raw();
    return toCounters(Object.fromEntries(this.#countersQuery.all()));
  }
}

