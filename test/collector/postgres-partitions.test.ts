import { describe, expect, it } from 'vitest';
import { PARTITION_MS, partitionName, partitionStart } from '../../collector/store/postgres/pg-partitions.js';
import { POSTGRES_ADMIN_URL, queryDatabase, startTestCollector } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

type Collector = Awaited<ReturnType<typeof startTestCollector>>;

async function layout(collector: Collector): Promise<Record<string, number>> {
  const rows = await queryDatabase(collector, 'SELECT tableoid::regclass::text AS part, count(*) AS n FROM traces GROUP BY 1 ORDER BY 1');
  return Object.fromEntries(rows.map((row) => [String(row.part), Number(row.n)]));
}

async function partitions(collector: Collector): Promise<string[]> {
  const rows = await queryDatabase(collector, "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'traces'::regclass ORDER BY 1");
  return rows.map((row) => String(row.name));
}

async function totals(collector: Collector): Promise<{ rows: number; retained: number; rollups: number; totals: number }> {
  const [row] = await queryDatabase(collector, `SELECT (SELECT count(*) FROM traces) AS rows, (SELECT value FROM counters WHERE name = 'retained_rows') AS retained,
    (SELECT coalesce(sum(requests), 0) FROM rollups) AS rollups, (SELECT coalesce(sum(requests), 0) FROM rollup_totals) AS totals`);
  return row as { rows: number; retained: number; rollups: number; totals: number };
}

// PostgreSQL only: how rows map onto hourly partitions and what retention does with them.
describe.skipIf(POSTGRES_ADMIN_URL === '')('PostgreSQL partitions', () => {
  // The current hour H, the previous one, and records from long before any partition.
  const hour = partitionStart(Date.now());
  const previous = partitionName(hour - PARTITION_MS);
  const current = partitionName(hour);
  const batch = [
    ...Array.from({ length: 5 }, (_, i) => makeRecord({ request_id: `prev-${i}`, timestamp: hour - PARTITION_MS + 600_000 + i })),
    ...Array.from({ length: 3 }, (_, i) => makeRecord({ request_id: `cur-${i}`, timestamp: hour + i })),
    ...Array.from({ length: 2 }, (_, i) => makeRecord({ request_id: `ancient-${i}`, timestamp: hour - 30 * 24 * PARTITION_MS + i })),
  ];

  it('stores each record in its hour\'s partition, made on demand; a record from before the TTL goes to the default partition', async () => {
    const collector = await startTestCollector({ traceTtlSeconds: 3600 }, 'postgres');
    expect((await postJson(`${collector.url}/v1/traces`, batch)).json).toEqual({ accepted: 10, duplicates: 0, rejected: [] });
    expect(await layout(collector)).toEqual({ [previous]: 5, [current]: 3, traces_default: 2 });
  });

  it('TTL drops wholly expired partitions, deletes the expired rows of the boundary one and of the default one, and keeps rollups exact', async () => {
    const collector = await startTestCollector({ traceTtlSeconds: 3600 }, 'postgres');
    await postJson(`${collector.url}/v1/traces`, batch);
    // Swept as if at H + 1 h 30 min: the cutoff H + 30 min lies inside the current hour.
    const result = await collector.store.retention.sweep(hour + PARTITION_MS + 1_800_000);
    expect({ ttl: result.removedByTtl, cap: result.removedByCap }).toEqual({ ttl: 10, cap: 0 });
    const names = await partitions(collector);
    expect(names).not.toContain(previous);
    expect(names).toContain(current);
    expect(names).toContain('traces_default');
    expect(await totals(collector)).toEqual({ rows: 0, retained: 0, rollups: 0, totals: 0 });
  });

  it('the cap drops the oldest partition whole when it holds no more than the excess, then trims by seq', async () => {
    const collector = await startTestCollector({ traceTtlSeconds: 7200, maxTraceEntries: 2 }, 'postgres');
    await postJson(`${collector.url}/v1/traces`, batch.slice(0, 8));
    const result = await collector.store.retention.sweep(Date.now());
    expect({ ttl: result.removedByTtl, cap: result.removedByCap }).toEqual({ ttl: 0, cap: 6 });
    expect(await partitions(collector)).not.toContain(previous);
    // The two most recently stored of the current hour remain.
    expect((await queryDatabase(collector, 'SELECT request_id FROM traces ORDER BY seq')).map((row) => row.request_id)).toEqual(['cur-1', 'cur-2']);
    expect(await totals(collector)).toEqual({ rows: 2, retained: 2, rollups: 2, totals: 2 });
  });
});
