import { Agent, request } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteTraceStore } from '../../collector/store/sqlite-store.js';
import { validateRecord, type RoutingRecord } from '#shared/record.js';
import { median, type BenchContext, type Figure } from '../figure.js';
import { SequentialClient } from '../http-client.js';
import { startPinned } from '../processes.js';
import { benchRecord } from '../records.js';

function post(agent: Agent, url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`ingest answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Figures 3 and 4: ingest over HTTP in batches of 1000 beside the raw insert rate; query times at 100,000 records. */
export async function ingestAndQueries(ctx: BenchContext): Promise<Figure[]> {
  const batches = ctx.quick ? 30 : 100;
  const figures: Figure[] = [];

  // The limit: our prepared-statement insert path into SQLite, no HTTP, no JSON, in this process.
  const rawRates: number[] = [];
  for (let round = 0; round < ctx.rounds; round++) {
    const path = join(ctx.workDir, `raw-${round}.db`);
    const store = await SqliteTraceStore.open(path, { maxTraceEntries: 10_000_000, traceTtlSeconds: 3600 });
    const prepared: RoutingRecord[][] = Array.from({ length: batches }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => {
        const result = validateRecord(benchRecord(`raw${round}-${b}`, i));
        if (!result.ok) throw new Error(result.error);
        return result.record;
      }),
    );
    const started = performance.now();
    for (const batch of prepared) store.writeNow(batch, { receivedMs: Date.now(), proxyId: undefined, dropped: 0 });
    rawRates.push((batches * 1000) / ((performance.now() - started) / 1000));
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  }

  const collector = await startPinned('collector', ['--port', '0', '--db', join(ctx.workDir, 'ingest.db'), '--max-trace-entries', '100000000', '--retention-interval', '3600']);
  try {
    const rates: number[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    for (let round = 0; round < ctx.rounds; round++) {
      const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => benchRecord(`r${round}-${b}`, i)), proxy_id: 'bench', dropped: 0 }));
      const started = performance.now();
      let next = 0;
      // Four batches in flight, like four proxies.
      await Promise.all([0, 1, 2, 3].map(async () => {
        while (next < bodies.length) await post(agent, `${collector.url}/v1/traces`, bodies[next++] ?? '');
      }));
      rates.push((batches * 1000) / ((performance.now() - started) / 1000));
    }
    agent.destroy();
    figures.push(
      { group: '3. collector ingest', name: 'ingest over HTTP, batches of 1000', value: median(rates), unit: 'records/s', target: { op: '>=', value: 100_000 } },
      { group: '3. collector ingest', name: 'raw better-sqlite3 insert (prepared statement, 1000 per transaction)', value: median(rawRates), unit: 'records/s' },
      { group: '3. collector ingest', name: 'HTTP ingest / raw insert', value: median(rates) / median(rawRates), unit: 'ratio' },
    );

    // Queries with exactly 100,000 retained records: trim what ingest left to the newest 100k.
    await collector.stop();
    const store = await SqliteTraceStore.open(join(ctx.workDir, 'ingest.db'), { maxTraceEntries: 100_000, traceTtlSeconds: 365 * 24 * 3600, batchSize: 10_000 });
    await store.retention.sweep();
    const retained = await store.countRows();
    const ids = await store.db.selectFrom('traces').select(['request_id', 'seq']).orderBy('seq').execute();
    await store.close();
    const queryCollector = await startPinned('collector', ['--port', '0', '--db', join(ctx.workDir, 'ingest.db'), '--max-trace-entries', '100000', '--trace-ttl', String(365 * 24 * 3600)]);
    try {
      const client = new SequentialClient();
      const samples = { stats: [] as number[], lookup: [] as number[], page: [] as number[] };
      for (let i = 0; i < 20; i++) await client.get(`${queryCollector.url}/v1/traces/stats`);
      for (let round = 0; round < ctx.rounds; round++) {
        for (let i = 0; i < (ctx.quick ? 10 : 30); i++) samples.stats.push(await client.get(`${queryCollector.url}/v1/traces/stats`));
        for (let i = 0; i < (ctx.quick ? 100 : 300); i++) {
          const row = ids[Math.floor(Math.random() * ids.length)];
          samples.lookup.push(await client.get(`${queryCollector.url}/v1/traces/${encodeURIComponent(row?.request_id ?? '')}`));
          samples.page.push(await client.get(`${queryCollector.url}/v1/traces?limit=100&before=${row?.seq ?? 1}`));
        }
      }
      client.close();
      const group = `4. queries at ${retained.toLocaleString('en')} records`;
      figures.push(
        { group, name: 'GET /v1/traces/stats (p50)', value: median(samples.stats), unit: 'ms', target: { op: '<=', value: 20 } },
        { group, name: 'GET /v1/traces/{request_id} (p50)', value: median(samples.lookup), unit: 'ms', target: { op: '<=', value: 2 } },
        { group, name: 'GET /v1/traces?limit=100&before=<seq> (p50)', value: median(samples.page), unit: 'ms', target: { op: '<=', value: 5 } },
      );
    } finally {
      await queryCollector.stop();
    }
  } finally {
    await collector.stop();
  }
  return figures;
}
