import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';

export type SqlParam = string | number | bigint | null;

/**
 * Runs read SQL with a cache of prepared statements keyed by text (list filters combine into a
 * handful of shapes). The smallest interface the read queries need, so a PostgreSQL store can
 * provide the same two methods.
 */
export class SqlRunner {
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
