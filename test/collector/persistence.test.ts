import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { startCollector } from '../../collector/collector.js';
import { describeEngines, newPostgresDatabase, sqliteStoreOf } from '../helpers/collector.js';
import { openDatabase } from '../../collector/store/database.js';
import { migrate } from '../../collector/store/migrations.js';
import { TransactionalSqliteDialect } from '../../collector/store/transactional-dialect.js';
import type { StoredTrace } from '#shared/api-types.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();

describeEngines('persistence across a restart', (engine) => {
  it('keeps records, total_requests and dropped_records across a restart on the same database', async () => {
    const dbPath = engine === 'sqlite' ? join(dir, 'restart.db') : await newPostgresDatabase();
    const first = await startCollector({ port: 0, dbPath });
    await postJson(`${first.url}/v1/traces`, { records: [makeRecord({ request_id: 'kept-1' }), makeRecord({ request_id: 'kept-2' })], dropped: 5 });
    await first.close();

    const second = await startCollector({ port: 0, dbPath });
    try {
      const traces = (await request(`${second.url}/v1/traces`)).json as StoredTrace[];
      expect(traces.map((trace) => trace.request_id)).toEqual(['kept-2', 'kept-1']);
      expect((await request(`${second.url}/v1/traces/stats`)).json).toMatchObject({ total_requests: 2, active_traces: 2, dropped_records: 5 });
      // seq continues after the restart: the cursor stays monotonic.
      await postJson(`${second.url}/v1/traces`, makeRecord({ request_id: 'after' }));
      const after = (await request(`${second.url}/v1/traces/after`)).json as StoredTrace;
      expect(after.seq).toBe(3);
    } finally {
      await second.close();
    }
  });

});

// SQLite only: these check the file itself (schema history of released versions, WAL readers,
// a file that is not a database); PostgreSQL has its own schema history from its first release.
describe('persistence [sqlite only]', () => {
  it('upgrades a database made by an earlier schema version in place', async () => {
    const dbPath = join(dir, 'old.db');
    // The first released schema: migration 001 only, with a record in it.
    const raw = openDatabase(dbPath);
    const old = new Kysely<unknown>({ dialect: new TransactionalSqliteDialect({ database: raw }) });
    expect(await migrate(old, '001_create_traces')).toEqual(['001_create_traces']);
    raw.prepare(
      `INSERT INTO traces (record_id, request_id, node_id, worker_url, routing_policy, status, timestamp_ms, received_ms)
       VALUES ('old-1', 'from-v1', 'worker-0', 'http://127.0.0.1:30001', 'round_robin', 'completed', ?, ?)`,
    ).run(Date.now(), Date.now());
    await old.destroy();

    const collector = await startCollector({ port: 0, dbPath });
    try {
      const trace = (await request(`${collector.url}/v1/traces/from-v1`)).json as StoredTrace;
      expect(trace).toMatchObject({ request_id: 'from-v1', routing_policy: 'round_robin', seq: 1 });
      // Migration 002 counted the existing record into total_requests.
      // Migration 005 counted it into retained_rows, and the store built its rollups at open.
      expect((await request(`${collector.url}/v1/traces/stats`)).json).toMatchObject({
        total_requests: 1, active_traces: 1, requests_per_node: { 'worker-0': 1 }, requests_per_status: { completed: 1 },
      });
      const applied = sqliteStoreOf(collector).raw.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all();
      expect(applied).toEqual(['001_create_traces', '002_create_counters', '003_create_traces_view', '004_routing_decision', '005_rollups', '006_rollup_versions']);
      const viewRow = sqliteStoreOf(collector).raw.prepare('SELECT request_id, timestamp FROM traces_view').get();
      expect(viewRow).toMatchObject({ request_id: 'from-v1' });
    } finally {
      await collector.close();
    }
  });

  it('lets a second connection read the live database while the collector writes', async () => {
    const dbPath = join(dir, 'live.db');
    const collector = await startCollector({ port: 0, dbPath });
    const reader = new Database(dbPath, { readonly: true });
    try {
      expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
      const counts: number[] = [];
      for (let batch = 0; batch < 20; batch++) {
        await postJson(`${collector.url}/v1/traces`, Array.from({ length: 50 }, () => makeRecord()));
        counts.push(Number(reader.prepare('SELECT count(*) FROM traces').pluck().get()));
      }
      // Each read sees every committed batch: no lag, no torn batch.
      expect(counts).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 50));
      expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      reader.close();
      await collector.close();
    }
  });

  it('refuses a file that is not a SQLite database, with a clear error', async () => {
    const { writeFileSync } = await import('node:fs');
    const dbPath = join(dir, 'not-a-db.db');
    writeFileSync(dbPath, 'this is not sqlite, just some text that is long enough to have a header '.repeat(10));
    await expect(startCollector({ port: 0, dbPath })).rejects.toThrow(/database .*not-a-db\.db is corrupt \(SQLITE_NOTADB\)\. Stop every process using it, move .*not-a-db\.db/);
  });

  it('rolls a failing migration back whole: the previous schema and its data stay as they were', async () => {
    const dbPath = join(dir, 'failing-migration.db');
    const raw = openDatabase(dbPath);
    const old = new Kysely<unknown>({ dialect: new TransactionalSqliteDialect({ database: raw }) });
    await migrate(old, '004_routing_decision');
    raw.prepare(
      `INSERT INTO traces (record_id, request_id, node_id, worker_url, routing_policy, status, timestamp_ms, received_ms)
       VALUES ('r-1', 'kept', 'worker-0', 'http://127.0.0.1:30001', 'round_robin', 'completed', ?, ?)`,
    ).run(Date.now(), Date.now());
    // An index in the way makes 005 fail after it created rollups and dropped traces_node.
    raw.exec('CREATE INDEX traces_node_seq ON traces (seq)');
    await old.destroy();

    await expect(startCollector({ port: 0, dbPath })).rejects.toThrow('database migration 005_rollups failed: index traces_node_seq already exists');

    const check = new Database(dbPath, { readonly: true });
    try {
      expect({
        migrations: check.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all(),
        counters: check.prepare('SELECT name FROM counters ORDER BY name').pluck().all(),
        indexes: check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'traces' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all(),
        rollups: check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'rollups'").pluck().get(),
        rows: check.prepare('SELECT request_id FROM traces').pluck().all(),
      }).toEqual({
        migrations: ['001_create_traces', '002_create_counters', '003_create_traces_view', '004_routing_decision'],
        counters: ['dropped_records', 'total_requests'],
        indexes: ['traces_node', 'traces_node_seq', 'traces_request_id', 'traces_timestamp'],
        rollups: 0,
        rows: ['kept'],
      });
    } finally {
      check.close();
    }
  });
});
