import { SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely';

/**
 * kysely 0.28's SqliteAdapter reports no transactional DDL, so its Migrator runs SQLite
 * migrations outside any transaction and records each one afterwards: a crash in between
 * leaves a half-made schema. SQLite does support DDL in transactions; saying so makes the
 * Migrator wrap the pending migrations and their bookkeeping in one.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}
