import { expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { near } from '../helpers/approx.js';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

/** A StoredTrace with every field null or default, for whole-body comparisons. */
function stored(fields: Partial<StoredTrace>): Record<string, unknown> {
  return {
    request_id: '', node_id: '', worker_url: '', routing_policy: 'cache_aware', status: 'completed', timestamp: '',
    cache_hit_rate: null, queue_size: null, cache_hit: null, cached_tokens: null, prompt_tokens: null, completion_tokens: null,
    worker_load: null, prefix_match_rate: null, duration_ms: null, ttft_ms: null, http_status: null, stream: null, method: null,
    path: null, model: null, attempts: null, error: null, attribution: null, dp_rank: null, decision: null, candidate_loads: null,
    proxy_id: null, record_id: '', seq: 0, received_at: expect.any(String), ...fields,
  };
}

describeEngines('GET /v1/traces/{request_id}', async (engine) => {
  const collector = await startTestCollector({}, engine);
  const seeded = [
    makeRecord({ request_id: 'test-req-123', node_id: 'worker-1', worker_url: 'http://localhost:30006', status: 'failed', attempts: 1, timestamp: '2025-07-28T10:26:30Z' }),
    makeRecord({
      request_id: 'test-req-123', node_id: 'worker-0', worker_url: 'http://localhost:30005', routing_policy: 'cache_aware',
      status: 'completed', timestamp: '2025-07-28T10:26:31.123Z', cache_hit_rate: 0.8, queue_size: 0, attempts: 2,
    }),
    makeRecord({ request_id: "x'; DROP TABLE traces; --", node_id: 'worker-0', timestamp: '2025-07-28T10:26:32Z' }),
    makeRecord({ request_id: 'stats', node_id: 'worker-0', timestamp: '2025-07-28T10:26:33Z' }),
  ];
  await postJson(`${collector.url}/v1/traces`, seeded);
  const [failed, latest, sqlish, named] = seeded;

  it('returns the latest record whole, in the seed shape (its first eight fields in order)', async () => {
    const response = await request(`${collector.url}/v1/traces/test-req-123`);
    expect(response.status).toBe(200);
    expect(Object.keys(response.json as object).slice(0, 8)).toEqual([
      'request_id', 'node_id', 'worker_url', 'routing_policy', 'status', 'timestamp', 'cache_hit_rate', 'queue_size',
    ]);
    expect(response.json).toEqual(stored({
      request_id: 'test-req-123', node_id: 'worker-0', worker_url: 'http://localhost:30005', timestamp: '2025-07-28T10:26:31.123Z',
      cache_hit_rate: 0.8, queue_size: 0, attempts: 2, record_id: latest?.record_id, seq: 2,
    }));
  });

  it('returns every record with ?all=true, newest first, each whole', async () => {
    const response = await request(`${collector.url}/v1/traces/test-req-123?all=true`);
    expect(response.json).toEqual([
      stored({ request_id: 'test-req-123', node_id: 'worker-0', worker_url: 'http://localhost:30005', timestamp: '2025-07-28T10:26:31.123Z', cache_hit_rate: 0.8, queue_size: 0, attempts: 2, record_id: latest?.record_id, seq: 2 }),
      stored({ request_id: 'test-req-123', node_id: 'worker-1', worker_url: 'http://localhost:30006', status: 'failed', timestamp: '2025-07-28T10:26:30.000Z', attempts: 1, record_id: failed?.record_id, seq: 1 }),
    ]);
  });

  it('round-trips a SQL-looking id verbatim, and serves the /traces alias', async () => {
    const id = "x'; DROP TABLE traces; --";
    const response = await request(`${collector.url}/traces/${encodeURIComponent(id)}`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual(stored({ request_id: id, node_id: 'worker-0', worker_url: 'http://127.0.0.1:30001', timestamp: '2025-07-28T10:26:32.000Z', record_id: sqlish?.record_id, seq: 3 }));
  });

  it('keeps /stats for stats; an id named "stats" is reachable by ?request_id=', async () => {
    const statsBody = (await request(`${collector.url}/v1/traces/stats`)).json as Record<string, unknown>;
    expect(statsBody.total_requests).toBe(4);
    const listed = await request(`${collector.url}/v1/traces?request_id=stats`);
    expect(listed.json).toEqual([stored({ request_id: 'stats', node_id: 'worker-0', worker_url: 'http://127.0.0.1:30001', timestamp: '2025-07-28T10:26:33.000Z', record_id: named?.record_id, seq: 4 })]);
  });

  it('answers 404 trace_not_found for an unknown id, 404 route_not_found for an unknown route', async () => {
    const response = await request(`${collector.url}/v1/traces/nope`);
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: { code: 'trace_not_found', message: "no trace with request_id 'nope'" } });
    const unknownRoute = await request(`${collector.url}/v2/whatever`);
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.json).toEqual({ error: { code: 'route_not_found', message: 'no route for GET /v2/whatever' } });
  });
});

const NO_DECISIONS = { records: 0, predicted_prefix_match_rate: null, cache_hit_rate: null };
const GLOBAL = ['total_requests', 'dropped_records', 'cached_tokens_clamped', 'retention'];

describeEngines('GET /v1/traces/stats', async (engine) => {
  const collector = await startTestCollector({ maxTraceEntries: 5000, traceTtlSeconds: 7200 }, engine);
  const now = Date.now();
  const w0 = { node_id: 'worker-0', worker_url: 'http://w0:1' };
  const records = [
    // worker-0: durations 10, 20, 30, 40 → p50 = rank 2 = 20, p95 = rank 4 = 40
    makeRecord({ ...w0, duration_ms: 30, prompt_tokens: 100, cached_tokens: 80, queue_size: 1, timestamp: now - 1000, attribution: 'proxy', decision: 'tree_match', prefix_match_rate: 0.9 }),
    makeRecord({ ...w0, duration_ms: 10, prompt_tokens: 100, cached_tokens: 0, queue_size: 3, timestamp: now - 2000, attribution: 'proxy', decision: 'min_load', prefix_match_rate: 0.1 }),
    makeRecord({ ...w0, duration_ms: 40, status: 'failed', queue_size: 2, timestamp: now - 3000, attribution: 'header' }),
    makeRecord({ ...w0, worker_url: 'http://w0:2', duration_ms: 20, prompt_tokens: 50, cached_tokens: 20, timestamp: now - 4000, attribution: 'proxy', decision: 'tree_match', prefix_match_rate: 0.5 }),
    // worker-1: one old record (outside a 60 s window), one cancelled without duration
    makeRecord({ node_id: 'worker-1', worker_url: 'http://w1:1', duration_ms: 500, status: 'timeout', queue_size: 0, timestamp: now - 600_000 }),
    makeRecord({ node_id: 'worker-1', worker_url: 'http://w1:1', status: 'cancelled', timestamp: now - 5000, attribution: 'inferred' }),
  ];
  await postJson(`${collector.url}/v1/traces`, { records, proxy_id: 'p1', dropped: 4 });
  // A replayed batch (all duplicates) does not count its drops again; a fresh one does.
  await postJson(`${collector.url}/v1/traces`, { records, proxy_id: 'p1', dropped: 4 });
  await postJson(`${collector.url}/v1/traces`, { records: [], proxy_id: 'p1', dropped: 2 });

  it('adds up, figures computed by hand (percentiles within the 2% histogram bound)', async () => {
    const response = await request(`${collector.url}/v1/traces/stats`);
    expect(response.json).toEqual({
      total_requests: 6,
      active_traces: 6,
      requests_per_node: { 'worker-0': 4, 'worker-1': 2 },
      requests_per_status: { cancelled: 1, completed: 3, failed: 1, timeout: 1 },
      nodes: {
        'worker-0': {
          worker_url: 'http://w0:2', // the url of the node's most recently stored record (seq order)
          requests: 4,
          cache_hit_rate: (80 + 0 + 20) / (100 + 100 + 50),
          avg_queue_size: 2,
          p50_duration_ms: near(20),
          p95_duration_ms: near(40),
          errors: 1,
          attribution: { proxy: 3, header: 1, router: 0, inferred: 0 },
          decisions: { min_load: 1, tree_match: 2 },
          decision_quality: { records: 3, predicted_prefix_match_rate: near((0.9 + 0.1 + 0.5) / 3, 1e-9), cache_hit_rate: (80 + 0 + 20) / (100 + 100 + 50) },
        },
        'worker-1': {
          worker_url: 'http://w1:1',
          requests: 2,
          cache_hit_rate: null,
          avg_queue_size: 0,
          p50_duration_ms: near(500),
          p95_duration_ms: near(500),
          errors: 1,
          attribution: { proxy: 0, header: 0, router: 0, inferred: 1 },
          decisions: {},
          decision_quality: NO_DECISIONS,
        },
      },
      nodes_truncated: false,
      other_nodes: null,
      oldest: new Date(now - 600_000).toISOString(),
      newest: new Date(now - 1000).toISOString(),
      retention: { max_trace_entries: 5000, trace_ttl_seconds: 7200 },
      dropped_records: 6,
      cached_tokens_clamped: 0,
      window: null,
    });
  });

  it('applies ?window= to every figure but the global ones, and echoes the window from its 60 s boundary', async () => {
    const asked = Date.now();
    const response = await request(`${collector.url}/traces/stats?window=60`);
    const body = response.json as { window: { since: string } };
    const since = Date.parse(body.window.since);
    expect(since % 60_000).toBe(0);
    expect(since).toBeGreaterThan(asked - 120_000);
    expect(response.json).toEqual({
      total_requests: 6,
      active_traces: 5,
      requests_per_node: { 'worker-0': 4, 'worker-1': 1 },
      requests_per_status: { cancelled: 1, completed: 3, failed: 1 },
      nodes: {
        'worker-0': expect.objectContaining({ requests: 4, worker_url: 'http://w0:2' }),
        'worker-1': {
          worker_url: 'http://w1:1', requests: 1, cache_hit_rate: null, avg_queue_size: null, p50_duration_ms: null, p95_duration_ms: null, errors: 0,
          attribution: { proxy: 0, header: 0, router: 0, inferred: 1 }, decisions: {}, decision_quality: NO_DECISIONS,
        },
      },
      nodes_truncated: false,
      other_nodes: null,
      oldest: new Date(now - 5000).toISOString(),
      newest: new Date(now - 1000).toISOString(),
      retention: { max_trace_entries: 5000, trace_ttl_seconds: 7200 },
      dropped_records: 6,
      cached_tokens_clamped: 0,
      window: { seconds: 60, since: body.window.since, global: GLOBAL },
    });
    const bad = await request(`${collector.url}/v1/traces/stats?window=0`);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { code: 'invalid_parameter', message: "window: expected an integer from 1 to 315360000, got '0'" } });
  });

  it('answers an empty store with zeros and nulls', async () => {
    const empty = await startTestCollector({}, engine);
    expect((await request(`${empty.url}/v1/traces/stats`)).json).toEqual({
      total_requests: 0, active_traces: 0, requests_per_node: {}, requests_per_status: {}, nodes: {}, nodes_truncated: false, other_nodes: null,
      oldest: null, newest: null, retention: { max_trace_entries: 1000000, trace_ttl_seconds: 3600 }, dropped_records: 0, cached_tokens_clamped: 0, window: null,
    });
  });
});

describeEngines('GET /v1/traces/stats with impossible token counts', async (engine) => {
  const collector = await startTestCollector({}, engine);

  it('clamps cached_tokens to prompt_tokens, counts it, and never reports a hit rate above 1', async () => {
    const record = makeRecord({ node_id: 'liar', prompt_tokens: 10, cached_tokens: 500 });
    expect((await postJson(`${collector.url}/v1/traces`, [record, makeRecord({ node_id: 'liar', prompt_tokens: 10, cached_tokens: 5 })])).json).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const trace = (await request(`${collector.url}/v1/traces/${String(record.request_id)}`)).json as StoredTrace;
    expect({ cached: trace.cached_tokens, prompt: trace.prompt_tokens }).toEqual({ cached: 10, prompt: 10 });
    const stats = (await request(`${collector.url}/v1/traces/stats`)).json as { cached_tokens_clamped: number; nodes: Record<string, { cache_hit_rate: number }> };
    expect({ clamped: stats.cached_tokens_clamped, rate: stats.nodes.liar?.cache_hit_rate }).toEqual({ clamped: 1, rate: 15 / 20 });
    expect((await request(`${collector.url}/metrics`)).text).toContain('routetrace_collector_cached_tokens_clamped_total 1');
  });
});
