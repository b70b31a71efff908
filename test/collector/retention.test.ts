import { expect, it } from 'vitest';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import type { StoredTrace } from '#shared/api-types.js';

describeEngines('retention sweep, called directly', async (engine) => {
  // A small batch size makes the sweep take several batches, as it does at 100k rows.
  const collector = await startTestCollector({ maxTraceEntries: 50, traceTtlSeconds: 60, retentionBatchSize: 7 }, engine);

  it('removes expired records, then the oldest beyond the cap', async () => {
    const now = Date.now();
    const expired = Array.from({ length: 30 }, (_, i) => makeRecord({ request_id: `old-${i}`, timestamp: now - 120_000 + i }));
    const fresh = Array.from({ length: 80 }, (_, i) => makeRecord({ request_id: `new-${i}`, timestamp: now - 1000 + i }));
    await postJson(`${collector.url}/v1/traces`, [...expired.slice(0, 15), ...fresh.slice(0, 40), ...expired.slice(15), ...fresh.slice(40)]);
    expect((await collector.store.countRows())).toBe(110);

    const result = await collector.retention.runNow();
    expect({ ttl: result.removedByTtl, cap: result.removedByCap }).toEqual({ ttl: 30, cap: 30 });

    const remaining = (await request(`${collector.url}/v1/traces?limit=1000`)).json as StoredTrace[];
    // The cap keeps the 50 most recently stored, which are the last 50 fresh ones.
    expect(remaining.map((trace) => trace.request_id)).toEqual(fresh.slice(30).map((record) => record.request_id).reverse());
    expect(remaining.every((trace) => Date.parse(trace.timestamp) >= now - 60_000)).toBe(true);

    // total_requests survives retention; active_traces follows it.
    expect((await request(`${collector.url}/v1/traces/stats`)).json).toMatchObject({ total_requests: 110, active_traces: 50 });
    const metrics = (await request(`${collector.url}/metrics`)).text;
    expect(metrics).toContain('routetrace_collector_retention_removed_total{reason="ttl"} 30');
    expect(metrics).toContain('routetrace_collector_retention_removed_total{reason="cap"} 30');
    expect(metrics).toContain('routetrace_collector_retained_rows 50');
  });

  it('is a no-op when nothing is due', async () => {
    const result = await collector.retention.runNow();
    expect({ ttl: result.removedByTtl, cap: result.removedByCap }).toEqual({ ttl: 0, cap: 0 });
  });
});

describeEngines('retention on its schedule', (engine) => {
  it('removes expired records on the --retention-interval schedule', async () => {
    const collector = await startTestCollector({ traceTtlSeconds: 1, retentionIntervalSeconds: 1 }, engine);
    await postJson(`${collector.url}/v1/traces`, Array.from({ length: 20 }, () => makeRecord({ timestamp: Date.now() - 5000 })));
    expect((await collector.store.countRows())).toBe(20);
    // Waits on the job's own sweep events (a tick may sweep before the batch arrived).
    let removed = 0;
    for (let sweeps = 0; sweeps < 3 && removed < 20; sweeps++) removed += (await collector.retention.nextSweep()).removedByTtl;
    expect({ removed, retained: (await collector.store.countRows()) }).toEqual({ removed: 20, retained: 0 });
  });

  it('sweeps at the next tick when ingest passes the cap, without waiting for the interval', async () => {
    const collector = await startTestCollector({ maxTraceEntries: 10, retentionIntervalSeconds: 3600 }, engine);
    const swept = collector.retention.nextSweep();
    await postJson(`${collector.url}/v1/traces`, Array.from({ length: 25 }, () => makeRecord()));
    expect({ removedByCap: (await swept).removedByCap, retained: (await collector.store.countRows()) }).toEqual({ removedByCap: 15, retained: 10 });
  });
});
