import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';

export type SqlParam = string | number | bigint | null;

/** A value now or later: SQLite's runner answers synchronously, PostgreSQL's asynchronously. */
export type Awaitable<T> = T | Promise<T>;

/**
 * What the read queries (list, stats, time series) need of an engine: run SQL with `?`
 * placeholders and get plain rows back (integers as numbers, histograms as bytes). The query
 * functions `await` both methods, so one set of queries serves every engine.
 */
export interface SqlRunner {
  all(text: string, params?: readonly SqlParam[]): Awaitable<unknown[]>;
  get(text: string, params?: readonly SqlParam[]): Awaitable<unknown>;
}

/**
 * SQLite's runner: a cache of prepared statements keyed by text (list filters combine into a
 * handful of shapes). Synchronous underneath, on the reader thread.
 */
export class SqliteSqlRunner implements SqlRunner {
  readonly #db: SqliteDatabase;
  readonly #cache = new Map<string, Statement<SqlParam[]>>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  all(text: string, params: readonly SqlParam[] = []): unknown[] {
    return this.#statement(text).all(...params);
  }

  get(text: string, params: readonly SqlParam[] = []): unknown {
    return this.#statement(text).get(...params);
  }

  #statement(text: string): Statement<SqlParam[]> {
    let statement = this.#cache.get(text);
    if (statement === undefined) {
      statement = this.#db.prepare<SqlParam[]>(text);
      this.#cache.set(text, statement);
    }
    return statement;
  }
}
