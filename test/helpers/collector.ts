import { join } from 'node:path';
import { afterAll } from 'vitest';
import { startCollector, type CollectorOptions, type RunningCollector } from '../../collector/collector.js';
import { SqliteTraceStore } from '../../collector/store/sqlite-store.js';
import { tempDir } from './temp.js';

/** A collector on 127.0.0.1:0 with its own database file, closed after the test file. */
export async function startTestCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const collector = await startCollector({
    port: 0,
    dbPath: join(tempDir(), 'traces.db'),
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
