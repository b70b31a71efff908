import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

/**
 * The STAND-IN /v1/traces/timeseries (collector/store/timeseries-from-rows.ts): the contract's
 * shape, computed from raw rows. The collector's rollup version replaces it at merge.
 */
describe('GET /v1/traces/timeseries (stand-in from raw rows)', () => {
  it('buckets records per node and step with the contract shape', async () => {
    const collector = await startTestCollector();
    const now = Date.now();
    const hourAgo = now - 3600_000;
    const records = [
      makeRecord({ timestamp: now, node_id: 'worker-0', status: 'completed', duration_ms: 100, ttft_ms: 10, cached_tokens: 30, prompt_tokens: 100, cache_hit: true, prefix_match_rate: 0.5, queue_size: 2, attempts: 1, decision: 'tree_match' }),
      makeRecord({ timestamp: now, node_id: 'worker-0', status: 'failed', duration_ms: 300, cached_tokens: 0, prompt_tokens: 100, cache_hit: false, queue_size: 4, attempts: 3, decision: 'min_load' }),
      makeRecord({ timestamp: hourAgo, node_id: 'worker-0', status: 'timeout', duration_ms: 50 }),
      makeRecord({ timestamp: now, node_id: 'worker-1', status: 'cancelled', routing_policy: 'round_robin' }),
    ];
    expect((await postJson(`${collector.url}/v1/traces`, records)).status).toBe(200);

    const body = (await request(`${collector.url}/v1/traces/timeseries?window=7200&step=3600`)).json as { timestamps: number[] };
    const [previous = 0, current = 0] = body.timestamps;
    expect(current - previous).toBe(3600);
    expect(body).toEqual({
      window: 7200,
      step: 3600,
      from: new Date(previous * 1000).toISOString(),
      to: new Date((current + 3600) * 1000).toISOString(),
      timestamps: [previous, current],
      nodes: {
        'worker-0': {
          requests: [1, 2], completed: [0, 1], failed: [0, 1], cancelled: [0, 0], timeout: [1, 0], errors: [1, 1], retries: [0, 2],
          cache_hit_rate: [null, 0.15], prefix_match_rate: [null, 0.5], avg_queue_size: [null, 3],
          p50_duration_ms: [50, 100], p95_duration_ms: [50, 300], p50_ttft_ms: [null, 10], p95_ttft_ms: [null, 10],
          p50_duration_ms_hit: [null, 100], p50_duration_ms_miss: [null, 300], p95_duration_ms_hit: [null, 100], p95_duration_ms_miss: [null, 300],
          p50_ttft_ms_hit: [null, 10], p50_ttft_ms_miss: [null, null], p95_ttft_ms_hit: [null, 10], p95_ttft_ms_miss: [null, null],
          decisions: { min_load: [0, 1], tree_match: [0, 1] },
        },
        'worker-1': {
          requests: [0, 1], completed: [0, 0], failed: [0, 0], cancelled: [0, 1], timeout: [0, 0], errors: [0, 0], retries: [0, 0],
          cache_hit_rate: [null, null], prefix_match_rate: [null, null], avg_queue_size: [null, null],
          p50_duration_ms: [null, null], p95_duration_ms: [null, null], p50_ttft_ms: [null, null], p95_ttft_ms: [null, null],
          p50_duration_ms_hit: [null, null], p50_duration_ms_miss: [null, null], p95_duration_ms_hit: [null, null], p95_duration_ms_miss: [null, null],
          p50_ttft_ms_hit: [null, null], p50_ttft_ms_miss: [null, null], p95_ttft_ms_hit: [null, null], p95_ttft_ms_miss: [null, null],
          decisions: {},
        },
      },
    });

    const filtered = (await request(`${collector.url}/v1/traces/timeseries?window=7200&step=3600&routing_policy=round_robin`)).json as { nodes: object };
    expect(Object.keys(filtered.nodes)).toEqual(['worker-1']);
    const byNode = (await request(`${collector.url}/v1/traces/timeseries?window=7200&step=3600&node_id=worker-0`)).json as { nodes: object };
    expect(Object.keys(byNode.nodes)).toEqual(['worker-0']);
  });

  it('answers invalid windows and steps with 400 invalid_parameter', async () => {
    const collector = await startTestCollector();
    const cases: Array<[string, string]> = [
      ['window=0', "window: expected an integer from 1 to 315360000, got '0'"],
      ['window=60&step=120', "step: expected an integer from 1 to 60, got '120'"],
      ['window=86400&step=1', 'step: window/step must be at most 2000 buckets, got 86400'],
      ['span=60', "unknown query parameter 'span'; known: window, step, node_id, routing_policy"],
    ];
    for (const [query, message] of cases) {
      const response = await request(`${collector.url}/v1/traces/timeseries?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.json, query).toEqual({ error: { code: 'invalid_parameter', message } });
    }
  });
});
