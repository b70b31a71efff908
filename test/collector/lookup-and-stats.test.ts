import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import type { StoredTrace } from '#shared/api-types.js';

describe('GET /v1/traces/{request_id}', async () => {
  const collector = await startTestCollector();
  await postJson(`${collector.url}/v1/traces`, [
    makeRecord({ request_id: 'test-req-123', node_id: 'worker-1', worker_url: 'http://localhost:30006', status: 'failed', attempts: 1, timestamp: '2025-07-28T10:26:30Z' }),
    makeRecord({
      request_id: 'test-req-123', node_id: 'worker-0', worker_url: 'http://localhost:30005', routing_policy: 'cache_aware',
      status: 'completed', timestamp: '2025-07-28T10:26:31.123Z', cache_hit_rate: 0.8, queue_size: 0, attempts: 2,
    }),
    makeRecord({ request_id: "x'; DROP TABLE traces; --", node_id: 'worker-0' }),
    makeRecord({ request_id: 'stats', node_id: 'worker-0' }),
  ]);

  it('returns the latest record in the seed shape', async () => {
    const response = await request(`${collector.url}/v1/traces/test-req-123`);
    expect(response.status).toBe(200);
    const trace = response.json as StoredTrace;
    expect(Object.keys(trace).slice(0, 8)).toEqual([
      'request_id', 'node_id', 'worker_url', 'routing_policy', 'status', 'timestamp', 'cache_hit_rate', 'queue_size',
    ]);
    expect(trace).toMatchObject({
      request_id: 'test-req-123',
      node_id: 'worker-0',
      worker_url: 'http://localhost:30005',
      routing_policy: 'cache_aware',
      status: 'completed',
      timestamp: '2025-07-28T10:26:31.123Z',
      cache_hit_rate: 0.8,
      queue_size: 0,
      attempts: 2,
    });
  });

  it('returns every record with ?all=true, newest first', async () => {
    const response = await request(`${collector.url}/v1/traces/test-req-123?all=true`);
    expect((response.json as StoredTrace[]).map((trace) => [trace.node_id, trace.status])).toEqual([
      ['worker-0', 'completed'],
      ['worker-1', 'failed'],
    ]);
  });

  it('round-trips a SQL-looking id verbatim, and serves the /traces alias', async () => {
    const id = "x'; DROP TABLE traces; --";
    const response = await request(`${collector.url}/traces/${encodeURIComponent(id)}`);
    expect(response.status).toBe(200);
    expect((response.json as StoredTrace).request_id).toBe(id);
  });

  it('keeps /stats for stats; an id named "stats" is reachable by ?request_id=', async () => {
    expect((await request(`${collector.url}/v1/traces/stats`)).json).toHaveProperty('total_requests');
    const listed = (await request(`${collector.url}/v1/traces?request_id=stats`)).json as StoredTrace[];
    expect(listed.map((trace) => trace.request_id)).toEqual(['stats']);
  });

  it('answers 404 trace_not_found for an unknown id', async () => {
    const response = await request(`${collector.url}/v1/traces/nope`);
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: { code: 'trace_not_found', message: "no trace with request_id 'nope'" } });
    const unknownRoute = await request(`${collector.url}/v2/whatever`);
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.json).toEqual({ error: { code: 'route_not_found', message: 'no route for GET /v2/whatever' } });
  });
});

describe('GET /v1/traces/stats', async () => {
  const collector = await startTestCollector({ maxTraceEntries: 5000, traceTtlSeconds: 7200 });
  const now = Date.now();
  const records = [
    // worker-0: durations 10, 20, 30, 40 → p50 = rank 2 = 20, p95 = rank 4 = 40
    makeRecord({ node_id: 'worker-0', worker_url: 'http://w0:1', duration_ms: 30, prompt_tokens: 100, cached_tokens: 80, queue_size: 1, timestamp: now - 1000 }),
    makeRecord({ node_id: 'worker-0', worker_url: 'http://w0:1', duration_ms: 10, prompt_tokens: 100, cached_tokens: 0, queue_size: 3, timestamp: now - 2000 }),
    makeRecord({ node_id: 'worker-0', worker_url: 'http://w0:1', duration_ms: 40, status: 'failed', queue_size: 2, timestamp: now - 3000 }),
    makeRecord({ node_id: 'worker-0', worker_url: 'http://w0:2', duration_ms: 20, prompt_tokens: 50, cached_tokens: 20, timestamp: now - 4000 }),
    // worker-1: one old record (outside a 60 s window), one timeout without duration
    makeRecord({ node_id: 'worker-1', worker_url: 'http://w1:1', duration_ms: 500, status: 'timeout', queue_size: 0, timestamp: now - 600_000 }),
    makeRecord({ node_id: 'worker-1', worker_url: 'http://w1:1', status: 'cancelled', timestamp: now - 5000 }),
  ];
  await postJson(`${collector.url}/v1/traces`, { records, proxy_id: 'p1', dropped: 4 });
  // A replayed batch (all duplicates) does not count its drops again; a fresh one does.
  await postJson(`${collector.url}/v1/traces`, { records, proxy_id: 'p1', dropped: 4 });
  await postJson(`${collector.url}/v1/traces`, { records: [], proxy_id: 'p1', dropped: 2 });

  it('adds up, figures computed by hand', async () => {
    const response = await request(`${collector.url}/v1/traces/stats`);
    expect(response.json).toEqual({
      total_requests: 6,
      active_traces: 6,
      requests_per_node: { 'worker-0': 4, 'worker-1': 2 },
      requests_per_status: { cancelled: 1, completed: 3, failed: 1, timeout: 1 },
      nodes: {
        'worker-0': {
          worker_url: 'http://w0:1', // the url of the node's most recently routed record (timestamp order)
          requests: 4,
          cache_hit_rate: (80 + 0 + 20) / (100 + 100 + 50),
          avg_queue_size: 2,
          p50_duration_ms: 20,
          p95_duration_ms: 40,
          errors: 1,
        },
        'worker-1': {
          worker_url: 'http://w1:1',
          requests: 2,
          cache_hit_rate: null,
          avg_queue_size: 0,
          p50_duration_ms: 500,
          p95_duration_ms: 500,
          errors: 1,
        },
      },
      oldest: new Date(now - 600_000).toISOString(),
      newest: new Date(now - 1000).toISOString(),
      retention: { max_trace_entries: 5000, trace_ttl_seconds: 7200 },
      dropped_records: 6,
    });
  });

  it('limits per-node and per-status figures with ?window=', async () => {
    const response = await request(`${collector.url}/traces/stats?window=60`);
    expect(response.json).toMatchObject({
      total_requests: 6,
      active_traces: 6,
      requests_per_node: { 'worker-0': 4, 'worker-1': 1 },
      requests_per_status: { cancelled: 1, completed: 3, failed: 1 },
    });
    expect((response.json as { nodes: Record<string, unknown> }).nodes['worker-1']).toEqual({
      worker_url: 'http://w1:1', requests: 1, cache_hit_rate: null, avg_queue_size: null, p50_duration_ms: null, p95_duration_ms: null, errors: 0,
    });
    const bad = await request(`${collector.url}/v1/traces/stats?window=0`);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { code: 'invalid_parameter', message: "window: expected an integer from 1 to 315360000, got '0'" } });
  });

  it('answers an empty store with zeros and nulls', async () => {
    const empty = await startTestCollector();
    expect((await request(`${empty.url}/v1/traces/stats`)).json).toEqual({
      total_requests: 0, active_traces: 0, requests_per_node: {}, requests_per_status: {}, nodes: {},
      oldest: null, newest: null, retention: { max_trace_entries: 100000, trace_ttl_seconds: 3600 }, dropped_records: 0,
    });
  });
});
