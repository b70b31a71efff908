import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { validateRecord } from '#shared/record.js';
import { WRITER_CHECKPOINT_PAGES } from '../../collector/store/database.js';
import { mapBatch } from '../../collector/store/row-mapping.js';
import { sqliteStoreOf, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/temp.js';

describe('the writer thread', () => {
  it('rejects a batch a dying thread held with code SQLITE_IOERR, never half-writes it, and stores the proxy retry once on a new thread', async () => {
    const collector = await startTestCollector();
    const store = sqliteStoreOf(collector);
    await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'before-crash' })]);

    const inputs = Array.from({ length: 500 }, (_, i) => makeRecord({ request_id: `in-flight-${i}` }));
    const records = inputs.map((input) => {
      const result = validateRecord(input);
      if (!result.ok) throw new Error(result.error);
      return result.record;
    });
    // Sent, then the thread is stopped as a crash would stop it, before it can answer.
    const writing = store.write(mapBatch(records, { receivedMs: Date.now(), proxyId: undefined, dropped: 0 }));
    const stopping = store.writer.terminate();
    await expect(writing).rejects.toMatchObject({ name: 'CollectorThreadError', code: 'SQLITE_IOERR' });
    await stopping;
    expect((await request(`${collector.url}/health`)).json).toMatchObject({ status: 'unavailable', storage: { ok: false, last_write: { ok: false, error: 'SQLITE_IOERR' } } });

    // All of the batch or none of it (one transaction): none, unless it committed just before the thread stopped.
    const storedBefore = Number(store.raw.prepare("SELECT count(*) FROM traces WHERE request_id LIKE 'in-flight-%'").pluck().get());
    expect([0, 500]).toContain(storedBefore);

    // The proxy retries the batch: a new thread stores it, and record_id keeps it from being stored twice.
    const retried = await postJson(`${collector.url}/v1/traces`, inputs);
    expect({ status: retried.status, body: retried.json }).toEqual({ status: 200, body: { accepted: 500 - storedBefore, duplicates: storedBefore, rejected: [] } });
    expect(await collector.store.countRows()).toBe(501);
    expect(store.raw.prepare('SELECT count(*) FROM traces').pluck().get()).toBe(501);
    expect((await request(`${collector.url}/health`)).json).toMatchObject({ status: 'ok', retained_traces: 501, storage: { ok: true } });
  });

  it('keeps the WAL near its checkpoint bound while batches keep coming (it checkpoints between them)', async () => {
    const collector = await startTestCollector();
    const store = sqliteStoreOf(collector);
    // ~2 KB per record: 24 batches write ~48 MiB of pages, three times the bound.
    for (let batch = 0; batch < 24; batch++) {
      const answer = await postJson(`${collector.url}/v1/traces`, Array.from({ length: 1000 }, () => makeRecord({ error: 'e'.repeat(1500) })));
      expect(answer.status).toBe(200);
    }
    const walBytes = statSync(`${store.location}-wal`).size;
    // The bound plus one batch's pages (the checkpoint runs in the commit that crosses it).
    expect(walBytes).toBeLessThan(WRITER_CHECKPOINT_PAGES * 4096 + 8 * 1024 * 1024);
    expect(await collector.store.countRows()).toBe(24_000);
  });

  it('stores a batch that spans several multi-row statements once per record_id: new rows reach the listener in seq order, repeats count as duplicates, rollups count only new rows', async () => {
    const collector = await startTestCollector();
    const already = Array.from({ length: 10 }, (_, i) => makeRecord({ request_id: `old-${i}` }));
    await postJson(`${collector.url}/v1/traces`, already);
    const fresh = Array.from({ length: 100 }, (_, i) => makeRecord({ request_id: `new-${i}` }));
    // 113 records: statements of 50, 50 and 13 rows. Repeats inside one statement (fresh[1] at 2),
    // across statements (fresh[3] at 70, fresh[60] at 107) and of stored records (already[*]).
    const batch = [...fresh.slice(0, 2), fresh[1], ...fresh.slice(2, 69), fresh[3], ...already.slice(0, 5), ...fresh.slice(69), fresh[60], ...already.slice(5)];
    expect(batch).toHaveLength(113);
    const heard: StoredTrace[][] = [];
    const unsubscribe = collector.store.onStored((traces) => heard.push(traces));
    const answer = await postJson(`${collector.url}/v1/traces`, batch);
    unsubscribe();
    expect(answer.json).toEqual({ accepted: 100, duplicates: 13, rejected: [] });
    expect(heard).toHaveLength(1);
    const stored = heard[0] ?? [];
    expect(stored.map((trace) => trace.request_id)).toEqual(fresh.map((record) => record.request_id));
    expect(stored.map((trace) => trace.seq)).toEqual([...stored.map((trace) => trace.seq)].sort((a, b) => a - b));
    expect((await request(`${collector.url}/v1/traces/stats`)).json).toMatchObject({ total_requests: 110, active_traces: 110 });
    const listed = (await request(`${collector.url}/v1/traces?limit=1000`)).json as StoredTrace[];
    expect(listed.slice(0, 100)).toEqual([...stored].reverse());
  });

  it('answers 503 storage_unavailable, and creates no empty file, when a restarted thread finds the database file gone', async () => {
    const dbPath = join(tempDir(), 'gone.db');
    const collector = await startTestCollector({ dbPath });
    await postJson(`${collector.url}/v1/traces`, [makeRecord()]);
    rmSync(dbPath);
    await sqliteStoreOf(collector).writer.terminate();
    const refused = await postJson(`${collector.url}/v1/traces`, [makeRecord()]);
    expect({ status: refused.status, body: refused.json }).toEqual({
      status: 503,
      body: { error: { code: 'storage_unavailable', message: 'trace store unavailable (SQLITE_CANTOPEN); retry later' } },
    });
    expect(existsSync(dbPath)).toBe(false);
    expect((await request(`${collector.url}/health`)).status).toBe(503);
  });
});

