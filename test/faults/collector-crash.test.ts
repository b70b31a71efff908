import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEngines, newPostgresDatabase, queryLocation } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { SOAK, spawnBinary } from '../helpers/processes.js';
import { startTestProxy, startWorkers, waitFor } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';

describeEngines('collector killed with SIGKILL under load, then restarted', async (engine) => {
  const db = engine === 'sqlite' ? join(tempDir(), 'crash.db') : await newPostgresDatabase();
  const port = await freePort();
  const workers = await startWorkers(2);
  const proxies = await Promise.all(
    ['proxy-a', 'proxy-b'].map((proxyId) =>
      startTestProxy({ workerUrls: workers.map((w) => w.url), collectorUrl: `http://127.0.0.1:${port}`, proxyId, exporter: { maxBatchSize: 50, initialBackoffMs: 20, maxBackoffMs: 200 } }),
    ),
  );
  const total = SOAK ? 6000 : 600;

  it('loses nothing it acknowledged, delivers what proxies held, and stores nothing twice', async () => {
    let collector = await spawnBinary('collector', ['--port', String(port), '--db', db]);
    let sent = 0;
    let failures = 0;
    const sendAll = async (proxyIndex: number): Promise<void> => {
      for (let i = 0; i < total / 2; i++) {
        const id = `crash-${proxyIndex}-${i}`;
        const response = await postJson(`${proxies[proxyIndex]?.url}/generate`, { text: `prompt ${i}`, sampling_params: { max_new_tokens: 1 } }, { 'x-request-id': id });
        if (response.status === 200) sent++;
        else failures++;
      }
    };
    const traffic = Promise.all([sendAll(0), sendAll(1)]);
    await waitFor(() => sent >= total / 3, 20_000, 'a third of the traffic');
    collector.child.kill('SIGKILL');
    expect(await collector.exited).toBe(null);
    await waitFor(() => sent >= (total * 2) / 3, 20_000, 'traffic while the collector is down');
    collector = await spawnBinary('collector', ['--port', String(port), '--db', db]);
    await traffic;
    expect({ sent, failures }).toEqual({ sent: total, failures: 0 });
    for (const proxy of proxies) await proxy.exporter?.forceFlush(10_000);
    collector.child.kill('SIGTERM');
    expect(await collector.exited).toBe(0);

    if (engine === 'sqlite') expect(await queryLocation(db, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const rows = await queryLocation(db, 'SELECT count(*) AS n, count(DISTINCT request_id) AS ids, count(DISTINCT record_id) AS records FROM traces');
    expect(rows).toEqual([{ n: total, ids: total, records: total }]);
    const counters = Object.fromEntries((await queryLocation(db, 'SELECT name, value FROM counters')).map((row) => [row.name, row.value]));
    // retained_rows is kept by every insert and delete in the same transactions: a SIGKILL
    // leaves it equal to the rows; the rollups hold every row once.
    expect(counters).toEqual({ total_requests: total, dropped_records: 0, retained_rows: total, cached_tokens_clamped: 0 });
    expect(await queryLocation(db, 'SELECT sum(requests) AS n FROM rollup_totals')).toEqual([{ n: total }]);
    for (const proxy of proxies) expect(proxy.exporter?.counters).toMatchObject({ dropped: 0, failed: 0, sent: total / 2 });
  }, SOAK ? 300_000 : 60_000);
});
