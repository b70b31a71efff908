import { afterAll, describe, expect, it } from 'vitest';
import type { TraceStats } from '#shared/api-types.js';
import pg from 'pg';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { partitionStart } from '../../collector/store/postgres/pg-partitions.js';
import { SWEEP_LOCK_KEY } from '../../collector/store/postgres/pg-retention.js';
import { newPostgresDatabase, POSTGRES_ADMIN_URL, queryLocation } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

// PostgreSQL only: several collectors on one database is what that engine is for.
describe.skipIf(POSTGRES_ADMIN_URL === '')('two collectors on one PostgreSQL database', async () => {
  const dbUrl = await newPostgresDatabase();
  const options = { port: 0, dbPath: dbUrl, retentionIntervalSeconds: 3600, maxTraceEntries: 1000, traceTtlSeconds: 600 };
  // Started together: their migrations race for the advisory lock.
  const collectors: RunningCollector[] = await Promise.all([startCollector(options), startCollector(options)]);
  const [a, b] = collectors as [RunningCollector, RunningCollector];
  afterAll(() => Promise.all(collectors.map((collector) => collector.close())));

  it('applies each migration once when two collectors start together', async () => {
    expect(await queryLocation(dbUrl, 'SELECT name FROM kysely_migration ORDER BY name')).toEqual([{ name: '001_schema' }]);
  });

  it('stores every record once when the same batches reach both collectors at once', async () => {
    const batches = Array.from({ length: 10 }, (_, i) => Array.from({ length: 50 }, (_, j) => makeRecord({ request_id: `shared-${i}-${j}`, node_id: `worker-${j % 4}`, duration_ms: 10 + j })));
    const answers = await Promise.all(batches.flatMap((batch) => [postJson(`${a.url}/v1/traces`, batch), postJson(`${b.url}/v1/traces`, batch)]));
    const bodies = answers.map((answer) => answer.json as { accepted: number; duplicates: number });
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect({
      accepted: bodies.reduce((n, body) => n + body.accepted, 0),
      duplicates: bodies.reduce((n, body) => n + body.duplicates, 0),
    }).toEqual({ accepted: 500, duplicates: 500 });
    expect(await queryLocation(dbUrl, 'SELECT count(*) AS n, count(DISTINCT record_id) AS ids FROM traces')).toEqual([{ n: 500, ids: 500 }]);
    expect(await queryLocation(dbUrl, 'SELECT sum(requests) AS n FROM rollup_totals')).toEqual([{ n: 500 }]);
    // Either collector answers the same stats: the counters and rollups are shared.
    const [fromA, fromB] = await Promise.all([a, b].map(async (collector) => (await request(`${collector.url}/v1/traces/stats`)).json as TraceStats));
    expect(fromA).toEqual(fromB);
    expect(fromA).toMatchObject({ total_requests: 500, active_traces: 500, requests_per_node: { 'worker-0': 130, 'worker-1': 130, 'worker-2': 120, 'worker-3': 120 } });
  });

  it('lets one collector sweep at a time: a sweep finds the lock taken and removes nothing', async () => {
    await postJson(`${a.url}/v1/traces`, Array.from({ length: 30 }, (_, i) => makeRecord({ request_id: `expired-${i}`, timestamp: Date.now() - 3_600_000 })));
    const holder = new pg.Client({ connectionString: dbUrl });
    await holder.connect();
    try {
      // Another collector's sweep, as far as these two can tell.
      await holder.query('SELECT pg_advisory_lock($1)', [SWEEP_LOCK_KEY]);
      const blocked = await Promise.all([a.retention.runNow(), b.retention.runNow()]);
      expect(blocked.map((result) => result.removedByTtl)).toEqual([0, 0]);
      expect(await a.store.countRows()).toBe(530);
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [SWEEP_LOCK_KEY]);
      await holder.end();
    }
    // Both sweep at once: between them the 30 expired records go exactly once.
    const swept = await Promise.all([a.retention.runNow(), b.retention.runNow()]);
    expect(swept[0].removedByTtl + swept[1].removedByTtl).toBe(30);
    expect(await queryLocation(dbUrl, "SELECT (SELECT count(*) FROM traces) AS n, (SELECT value FROM counters WHERE name = 'retained_rows') AS retained, (SELECT sum(requests) FROM rollup_totals) AS rolled")).toEqual([
      { n: 500, retained: 500, rolled: 500 },
    ]);
  });

  it('trims to the shared cap once, whichever collector sweeps', async () => {
    await postJson(`${b.url}/v1/traces`, Array.from({ length: 600 }, () => makeRecord()));
    const swept = await Promise.all([a.retention.runNow(), b.retention.runNow()]);
    expect(swept[0].removedByCap + swept[1].removedByCap).toBe(100);
    expect(await queryLocation(dbUrl, "SELECT (SELECT count(*) FROM traces) AS n, (SELECT value FROM counters WHERE name = 'retained_rows') AS retained, (SELECT sum(requests) FROM rollup_totals) AS rolled")).toEqual([
      { n: 1000, retained: 1000, rolled: 1000 },
    ]);
  });

  it('drops an expired hour\'s partition while the other collector keeps ingesting: every batch stored, counters and rollups exact', async () => {
    // Only the sweep below runs (ingest past the cap would otherwise request one on a).
    await Promise.all([a.retention.stop(), b.retention.stop()]);
    const hour = partitionStart(Date.now());
    await postJson(`${a.url}/v1/traces`, Array.from({ length: 40 }, (_, i) => makeRecord({ request_id: `last-hour-${i}`, timestamp: hour - 1_800_000 + i })));
    const before = await a.store.countRows();
    const ingest = Promise.all(Array.from({ length: 20 }, (_, i) => postJson(`${a.url}/v1/traces`, Array.from({ length: 25 }, (_, j) => makeRecord({ request_id: `during-drop-${i}-${j}` })))));
    // b sweeps with a clock that puts the TTL cutoff (600 s) just past the hour: the previous
    // hour's partition goes whole while a's batches are being stored.
    const swept = await b.store.retention.sweep(hour + 600_000 + 1000);
    const answers = await ingest;
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(swept.removedByTtl).toBeGreaterThanOrEqual(40);
    // The sweep also trims to the shared cap (1000).
    const expected = before + 500 - swept.removedByTtl - swept.removedByCap;
    expect(await queryLocation(dbUrl, "SELECT count(*) AS n FROM traces WHERE request_id LIKE 'last-hour-%'")).toEqual([{ n: 0 }]);
    expect(await queryLocation(dbUrl, "SELECT (SELECT count(*) FROM traces) AS n, (SELECT value FROM counters WHERE name = 'retained_rows') AS retained, (SELECT sum(requests) FROM rollup_totals) AS rolled, (SELECT sum(requests) FROM rollups) AS buckets")).toEqual([
      { n: expected, retained: expected, rolled: expected, buckets: expected },
    ]);
  });
});
