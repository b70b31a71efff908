import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, inject } from 'vitest';
import { startCollector, type CollectorOptions, type RunningCollector } from '../../collector/collector.js';
import { PostgresTraceStore } from '../../collector/store/postgres/postgres-store.js';
import { SqliteTraceStore } from '../../collector/store/sqlite-store.js';
import { tempDir } from './temp.js';

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

/** The run's throwaway PostgreSQL server (test/helpers/postgres-global-setup.ts), '' when there is none. */
export const POSTGRES_ADMIN_URL = inject('postgresUrl');

let databases = 0;

/** A fresh empty PostgreSQL database on the run's server; its URL carries a password (trust auth ignores it). */
export async function newPostgresDatabase(adminUrl: string = POSTGRES_ADMIN_URL): Promise<string> {
  if (adminUrl === '') throw new Error(inject('postgresSkipReason'));
  const name = `rt_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.password = 'db-secret-pw';
  url.pathname = `/${name}`;
  return url.toString();
}

/** Where a test collector keeps its data: a temp SQLite file, or a new database on the run's PostgreSQL server. */
export async function newDbLocation(engine: Engine): Promise<string> {
  return engine === 'sqlite' ? join(tempDir(), 'traces.db') : newPostgresDatabase();
}

/**
 * The collector suites run once per engine, so the two stores cannot drift. Without a
 * PostgreSQL server (no initdb) the postgres variant is reported as skipped, with the reason.
 */
export function describeEngines(name: string, body: (engine: Engine) => void | Promise<void>): void {
  for (const engine of ENGINES) {
    if (engine === 'postgres' && POSTGRES_ADMIN_URL === '') describe.skip(`${name} [postgres] (${inject('postgresSkipReason')})`, () => undefined);
    else describe(`${name} [${engine}]`, () => body(engine));
  }
}

/** A collector on 127.0.0.1:0 with its own database (file or PostgreSQL database), closed after the test file. */
export async function startTestCollector(options: CollectorOptions = {}, engine: Engine = 'sqlite'): Promise<RunningCollector> {
  const collector = await startCollector({
    port: 0,
    dbPath: options.dbPath ?? (await newDbLocation(engine)),
    // Tests drive retention themselves unless they ask for a schedule.
    retentionIntervalSeconds: 3600,
    ...options,
  });
  afterAll(() => collector.close());
  return collector;
}

/** The collector's store as the SQLite engine, for tests that inspect the file itself. */
export function sqliteStoreOf(collector: RunningCollector): SqliteTraceStore {
  const { store } = collector;
  if (!(store instanceof SqliteTraceStore)) throw new Error(`this test inspects SQLite; the collector runs on ${store.engine}`);
  return store;
}

/** The collector's store as the PostgreSQL engine, for tests that query the database directly. */
export function postgresStoreOf(collector: RunningCollector): PostgresTraceStore {
  const { store } = collector;
  if (!(store instanceof PostgresTraceStore)) throw new Error(`this test queries PostgreSQL; the collector runs on ${store.engine}`);
  return store;
}

/** Rows of a query run straight on the collector's database (SQL both engines accept), bypassing its read path. */
export async function queryDatabase(collector: RunningCollector, text: string): Promise<Array<Record<string, unknown>>> {
  const { store } = collector;
  if (store instanceof SqliteTraceStore) return store.raw.prepare(text).all() as Array<Record<string, unknown>>;
  return (await postgresStoreOf(collector).pool.query<Record<string, unknown>>(text)).rows;
}

/** Rows of a query on a database no collector holds open (after a collector process exited): a SQLite file or a PostgreSQL URL. */
export async function queryLocation(location: string, text: string): Promise<Array<Record<string, unknown>>> {
  if (!/^postgres(ql)?:\/\//.test(location)) {
    const db = new Database(location, { readonly: true });
    try {
      return db.prepare(text).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location, types: { getTypeParser: numericTypeParser } });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(text)).rows;
  } finally {
    await client.end();
  }
}

/** int8 and numeric as numbers (what the collector's pool does), so results compare with SQLite's. */
function numericTypeParser(oid: number): (text: string) => unknown {
  if (oid === 20 || oid === 1700) return Number;
  return pg.types.getTypeParser(oid) as (text: string) => unknown;
}
