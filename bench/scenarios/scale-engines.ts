import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { checkIntegrity, openDatabase } from '../../collector/store/database.js';
import { openStore } from '../../collector/store/open-store.js';
import { partitionStart } from '../../collector/store/postgres/pg-partitions.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../tools/throwaway-postgres.js';
import type { BenchContext, Figure } from '../figure.js';
import { SERVER_CORE } from '../processes.js';

export type ScaleEngine = 'sqlite' | 'postgres';

const size = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** What the scale scenario needs of an engine: where the collector stores, its size, and what to measure once the collector stopped. */
export interface ScaleStore {
  location: string;
  /** Bytes of the stored data: the SQLite file, or PostgreSQL's traces partitions and rollup tables with their indexes. */
  bytes(): Promise<number>;
  /** Called once the fill is in: SQLite folds the WAL tail into the file so its size counts every row. */
  afterFill(): void;
  /** The -wal file (SQLite); undefined for PostgreSQL. */
  walMiB(): number | undefined;
  /** Measured with the collector stopped: the start-up check (SQLite), then retention through the store itself. */
  afterStop(group: string): Promise<Figure[]>;
  remove(): Promise<void>;
}

let server: ThrowawayPostgres | undefined;

/** The bench's own PostgreSQL server (durable settings, pinned to the servers' core like the collector), started once. */
async function benchServer(ctx: BenchContext): Promise<ThrowawayPostgres> {
  if (server === undefined) {
    ctx.log('starting a throwaway PostgreSQL server (initdb, durable settings)');
    server = await startThrowawayPostgres({ durable: true, cpus: SERVER_CORE });
  }
  return server;
}

export async function stopBenchServer(): Promise<void> {
  await server?.remove();
  server = undefined;
}

/**
 * Retention through the store's own sweeper, timed: first the cap (whatever excess the
 * collector had not trimmed yet when it stopped), then one TTL sweep whose cutoff is the start
 * of the newest hour (PostgreSQL drops the older hours' partitions whole; SQLite deletes the same
 * rows in bounded batches), or the middle of the retained span when it lies within one hour.
 */
async function retentionSweeps(location: string, group: string, scale: number): Promise<Figure[]> {
  const ttlSeconds = 3600;
  const store = await openStore(location, { maxTraceEntries: scale, traceTtlSeconds: ttlSeconds });
  /**
   * A sweep until it completes, timed, with the rows it removed counted from the store. SQLite:
   * the store's own checkpointer may hold the write lock for a moment (the write connection never
   * waits for it), and a sweep then fails with SQLITE_BUSY after its committed batches; the
   * collector's job simply sweeps again at its next tick, and so does this.
   */
  const sweep = async (nowMs: number): Promise<{ removed: number; seconds: number }> => {
    const before = await store.countRows();
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await store.retention.sweep(nowMs);
        break;
      } catch (error) {
        if (attempt === 100 || (error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return { removed: before - (await store.countRows()), seconds: (performance.now() - started) / 1000 };
  };
  try {
    const cap = await sweep(Date.now());
    const stats = await store.queries.stats({ nowMs: Date.now(), nodeLimit: 1, retention: { maxTraceEntries: scale, traceTtlSeconds: ttlSeconds } });
    const oldest = Date.parse(stats.oldest ?? '');
    const newest = Date.parse(stats.newest ?? '');
    const boundary = partitionStart(newest);
    const cutoffMs = boundary > oldest ? boundary : Math.floor((oldest + newest) / 2);
    const ttl = await sweep(cutoffMs + ttlSeconds * 1000);
    return [
      { group, name: 'cap sweep after the collector stopped: rows removed', value: cap.removed, unit: 'rows' },
      { group, name: 'cap sweep after the collector stopped: duration', value: cap.seconds, unit: 's' },
      { group, name: 'one TTL sweep (cutoff at the newest hour): rows removed', value: ttl.removed, unit: 'rows', note: `of ${scale} retained` },
      { group, name: 'one TTL sweep (cutoff at the newest hour): duration', value: ttl.seconds, unit: 's' },
    ];
  } finally {
    await store.close();
  }
}

export async function openScaleStore(ctx: BenchContext, engine: ScaleEngine, label: string, scale: number): Promise<ScaleStore> {
  if (engine === 'sqlite') {
    const dbPath = join(ctx.workDir, `scale-${label}-${scale}.db`);
    return {
      location: dbPath,
      bytes: () => Promise.resolve(size(dbPath)),
      walMiB: () => size(`${dbPath}-wal`) / 1024 / 1024,
      afterFill() {
        // The writer checkpoints past 16 MiB of WAL; fold the rest in so the file holds every row.
        const checkpointer = openDatabase(dbPath);
        checkpointer.pragma('wal_checkpoint(PASSIVE)');
        checkpointer.close();
      },
      async afterStop(group) {
        // What the start-up integrity check costs at this size (the collector runs it on every start).
        const db = openDatabase(dbPath);
        const checkStarted = performance.now();
        checkIntegrity(db, dbPath);
        const figures: Figure[] = [{ group, name: 'PRAGMA quick_check at start', value: (performance.now() - checkStarted) / 1000, unit: 's' }];
        db.close();
        figures.push(...(await retentionSweeps(dbPath, group, scale)));
        return figures;
      },
      remove() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
        return Promise.resolve();
      },
    };
  }
  const pgServer = await benchServer(ctx);
  const name = `scale_${label.replace(/\W/g, '_')}_${scale}`;
  const location = await pgServer.createDatabase(name);
  const query = async (text: string): Promise<number> => {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      const result = await client.query<{ n: string | null }>(text);
      return Number(result.rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  };
  return {
    location,
    bytes: () =>
      query(`SELECT sum(pg_total_relation_size(c.oid)) AS n FROM pg_class c
             WHERE c.relkind = 'r' AND (c.relname IN ('rollups', 'rollup_totals', 'counters') OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'traces'::regclass))`),
    walMiB: () => undefined,
    afterFill: () => undefined,
    afterStop: (group) => retentionSweeps(location, group, scale),
    // The database goes with the server's folder at the end of the run (stopBenchServer).
    remove: () => Promise.resolve(),
  };
}
