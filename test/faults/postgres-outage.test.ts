import { afterAll, describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { startCollector } from '../../collector/collector.js';
import { captureLogger } from '../helpers/logs.js';
import { POSTGRES_ADMIN_URL } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { startTestProxy, startWorkers } from '../helpers/stack.js';
import { startThrowawayPostgres } from '../../tools/throwaway-postgres.js';

// PostgreSQL only: the server goes away and comes back (SQLite's store faults, a held write
// lock and an unlinked file, are in collector-storage.test.ts). A server of its own: stopping
// the run's shared one would break the other files.
describe.skipIf(POSTGRES_ADMIN_URL === '')('PostgreSQL server stopped while the collector runs, then started again', async () => {
  const server = await startThrowawayPostgres();
  afterAll(() => server.remove());
  const dbUrl = await server.createDatabase('outage', 'hunter2-secret');
  const logs = captureLogger();
  const collector = await startCollector({ port: 0, dbPath: dbUrl, retentionIntervalSeconds: 3600, logger: logs.logger });
  afterAll(() => collector.close());
  const workers = await startWorkers(1);
  const proxy = await startTestProxy({ workerUrls: workers.map((w) => w.url), collectorUrl: collector.url, exporter: { maxBatchSize: 10, initialBackoffMs: 20, maxBackoffMs: 200 } });

  it('answers 503 storage_unavailable for ingest and reads, /health 503, never showing the password; recovers without a restart; the proxy delivers what it held', async () => {
    await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'before-outage' })]);
    await server.stop('fast');

    const refused = await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'during-outage' })]);
    expect({ status: refused.status, body: refused.json }).toEqual({
      status: 503,
      body: { error: { code: 'storage_unavailable', message: 'trace store unavailable (08006); retry later' } },
    });
    const read = await request(`${collector.url}/v1/traces/before-outage`);
    expect({ status: read.status, body: read.json }).toEqual({
      status: 503,
      body: { error: { code: 'storage_unavailable', message: 'trace store unavailable (08006); retry later' } },
    });
    const health = await request(`${collector.url}/health`);
    const location = `postgres://postgres:***@127.0.0.1:${server.port}/outage`;
    expect({ status: health.status, body: health.json }).toMatchObject({
      status: 503,
      body: {
        status: 'unavailable', retained_traces: null, total_requests: null, database: location,
        storage: { ok: false, problem: `PostgreSQL at ${location} is unreachable (08006)`, last_write: { ok: false, error: '08006' } },
      },
    });
    // Traffic through the proxy meanwhile: its exporter holds the records and retries.
    for (let i = 0; i < 20; i++) {
      const answer = await postJson(`${proxy.url}/generate`, { text: `during ${i}`, sampling_params: { max_new_tokens: 1 } }, { 'x-request-id': `held-${i}` });
      expect(answer.status).toBe(200);
    }

    await server.start();
    // /health's own query is the probe: healthy again without a restart (the proxy's retries may
    // already be landing, so the counts are checked after its flush).
    const healthy = await request(`${collector.url}/health`);
    expect({ status: healthy.status, body: healthy.json }).toMatchObject({ status: 200, body: { status: 'ok', storage: { ok: true, problem: null } } });
    await proxy.exporter?.forceFlush(10_000);
    const stored = (await request(`${collector.url}/v1/traces?limit=100`)).json as StoredTrace[];
    expect(stored.map((trace) => trace.request_id).sort()).toEqual(['before-outage', ...Array.from({ length: 20 }, (_, i) => `held-${i}`)].sort());

    expect(logs.text()).not.toContain('hunter2-secret');
    expect(JSON.stringify(health.json)).not.toContain('hunter2-secret');
  });
});
