import type { Pool, PoolClient } from 'pg';
import type { StoredTrace, TraceStats } from '#shared/api-types.js';
import type { ReplayFilter, TraceFilter } from '../../reads/list-query.js';
import type { SqlParam, SqlRunner } from '../../reads/sql-runner.js';
import type { StatsOptions } from '../../reads/stats-query.js';
import type { TimeseriesOptions } from '../../reads/timeseries-query.js';
import { TraceReader, type TraceReads } from '../../reads/trace-reader.js';
import { asStoreError, numberPlaceholders } from './pg-connection.js';

/** The shared read queries' `?` SQL on one PostgreSQL connection (texts numbered once, then cached). */
class PgSqlRunner implements SqlRunner {
  readonly #client: PoolClient;
  readonly #texts: Map<string, string>;

  constructor(client: PoolClient, texts: Map<string, string>) {
    this.#client = client;
    this.#texts = texts;
  }

  async all(text: string, params: readonly SqlParam[] = []): Promise<unknown[]> {
    let numbered = this.#texts.get(text);
    if (numbered === undefined) {
      numbered = numberPlaceholders(text);
      this.#texts.set(text, numbered);
    }
    return (await this.#client.query<Record<string, unknown>>(numbered, params as SqlParam[])).rows;
  }

  async get(text: string, params: readonly SqlParam[] = []): Promise<unknown> {
    return (await this.all(text, params))[0];
  }
}

/**
 * Reads on PostgreSQL: the same query functions as SQLite's reader thread, over a pooled
 * connection. The database does the scanning, so the event loop only waits; each call runs in
 * one read-only REPEATABLE READ transaction, so stats' several queries see one snapshot.
 */
export class PgReads implements TraceReads {
  readonly #pool: Pool;
  readonly #texts = new Map<string, string>();
  readonly #onResult: (error: unknown) => void;

  /** `onResult` hears every read's outcome (undefined when it worked): storage health follows reads too. */
  constructor(pool: Pool, onResult: (error: unknown) => void) {
    this.#pool = pool;
    this.#onResult = onResult;
  }

  list(filter: TraceFilter): Promise<StoredTrace[]> {
    return this.#run((reader) => reader.list(filter));
  }

  byRequestId(requestId: string, limit?: number): Promise<StoredTrace[]> {
    return this.#run((reader) => reader.byRequestId(requestId, limit));
  }

  stats(options: StatsOptions): Promise<TraceStats> {
    return this.#run((reader) => reader.stats(options));
  }

  timeseriesJson(options: TimeseriesOptions): Promise<string> {
    return this.#run((reader) => reader.timeseriesJson(options));
  }

  replay(afterSeq: number, filter: ReplayFilter, pageSize: number): Promise<StoredTrace[]> {
    return this.#run((reader) => reader.replay(afterSeq, filter, pageSize));
  }

  async #run<T>(read: (reader: TraceReader) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      const storeError = asStoreError(error);
      this.#onResult(storeError);
      throw storeError;
    }
    let failed = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const value = await read(new TraceReader(new PgSqlRunner(client, this.#texts)));
      await client.query('COMMIT');
      this.#onResult(undefined);
      return value;
    } catch (error) {
      failed = true;
      await client.query('ROLLBACK').catch(() => undefined);
      const storeError = asStoreError(error);
      this.#onResult(storeError);
      throw storeError;
    } finally {
      client.release(failed);
    }
  }
}
