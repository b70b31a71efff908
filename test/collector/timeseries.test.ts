import { expect, it } from 'vitest';
import type { Timeseries } from '#shared/api-types.js';
import { near } from '../helpers/approx.js';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

describeEngines('GET /v1/traces/timeseries', async (engine) => {
  const collector = await startTestCollector({}, engine);
  const now = Date.now();
  // Two minutes apart, so they land in different 60 s steps whatever the current second.
  const recent = now - 1000;
  const earlier = now - 181_000;
  await postJson(`${collector.url}/v1/traces`, [
    makeRecord({ node_id: 'worker-0', timestamp: recent, duration_ms: 100, ttft_ms: 10, cache_hit: true, prompt_tokens: 100, cached_tokens: 80, queue_size: 2, prefix_match_rate: 0.8, decision: 'tree_match' }),
    makeRecord({ node_id: 'worker-0', timestamp: recent, duration_ms: 300, ttft_ms: 30, cache_hit: false, prompt_tokens: 100, cached_tokens: 0, queue_size: 4, prefix_match_rate: 0.2, decision: 'min_load', attempts: 2 }),
    makeRecord({ node_id: 'worker-0', timestamp: earlier, status: 'failed', decision: 'tree_match' }),
    makeRecord({ node_id: 'worker-1', timestamp: earlier, status: 'timeout', routing_policy: 'round_robin' }),
  ]);

  it('answers per node, per step, columns ready to plot, figures computed by hand', async () => {
    const response = await request(`${collector.url}/v1/traces/timeseries?window=300&step=60`);
    expect(response.status).toBe(200);
    const body = response.json as Timeseries;
    const slot = (ms: number): number => body.timestamps.findIndex((start) => ms >= start * 1000 && ms < start * 1000 + 60_000);
    const [r, e] = [slot(recent), slot(earlier)];
    expect(r).toBeGreaterThanOrEqual(0);
    expect(e).toBeGreaterThanOrEqual(0);
    const column = <T>(fill: T, at: Array<[number, T]>): T[] => {
      const values = Array.from({ length: 5 }, () => fill);
      for (const [index, value] of at) values[index] = value;
      return values;
    };
    const zeros = (at: Array<[number, number]>): number[] => column(0, at);
    const nulls = (at: Array<[number, unknown]>): unknown[] => column<unknown>(null, at);
    expect(body.timestamps).toHaveLength(5);
    expect(body.timestamps.every((start, i) => i === 0 || start - (body.timestamps[i - 1] ?? 0) === 60)).toBe(true);
    expect(body).toEqual({
      window: 300,
      step: 60,
      from: new Date((body.timestamps[0] ?? 0) * 1000).toISOString(),
      to: new Date(((body.timestamps[4] ?? 0) + 60) * 1000).toISOString(),
      timestamps: body.timestamps,
      nodes_truncated: false,
      nodes: {
        'worker-0': {
          requests: zeros([[e, 1], [r, 2]]), completed: zeros([[r, 2]]), failed: zeros([[e, 1]]), cancelled: zeros([]), timeout: zeros([]),
          errors: zeros([[e, 1]]), retries: zeros([[r, 1]]),
          cache_hit_rate: nulls([[r, 80 / 200]]),
          prefix_match_rate: nulls([[r, near(0.5, 1e-9)], [e, null]]),
          avg_queue_size: nulls([[r, 3]]),
          p50_duration_ms: nulls([[r, near(100)]]), p95_duration_ms: nulls([[r, near(300)]]),
          p50_ttft_ms: nulls([[r, near(10)]]), p95_ttft_ms: nulls([[r, near(30)]]),
          p50_duration_ms_hit: nulls([[r, near(100)]]), p50_duration_ms_miss: nulls([[r, near(300)]]),
          p95_duration_ms_hit: nulls([[r, near(100)]]), p95_duration_ms_miss: nulls([[r, near(300)]]),
          p50_ttft_ms_hit: nulls([[r, near(10)]]), p50_ttft_ms_miss: nulls([[r, near(30)]]),
          p95_ttft_ms_hit: nulls([[r, near(10)]]), p95_ttft_ms_miss: nulls([[r, near(30)]]),
          decisions: { min_load: zeros([[r, 1]]), tree_match: zeros([[e, 1], [r, 1]]) },
        },
        'worker-1': expect.objectContaining({ requests: zeros([[e, 1]]), timeout: zeros([[e, 1]]), errors: zeros([[e, 1]]), decisions: {} }),
      },
    });
  });

  it('filters by node_id and routing_policy, and serves the /traces alias', async () => {
    const byNode = (await request(`${collector.url}/traces/timeseries?window=600&step=60&node_id=worker-1`)).json as Timeseries;
    expect(Object.keys(byNode.nodes)).toEqual(['worker-1']);
    const byPolicy = (await request(`${collector.url}/v1/traces/timeseries?window=600&step=120&routing_policy=cache_aware`)).json as Timeseries;
    expect({ nodes: Object.keys(byPolicy.nodes), points: byPolicy.timestamps.length }).toEqual({ nodes: ['worker-0'], points: 5 });
  });

  it('sends the body the reader serialised as application/json, byte for byte the JSON of the object it parses to', async () => {
    const response = await request(`${collector.url}/v1/traces/timeseries?window=300&step=60`);
    expect({ status: response.status, type: response.headers['content-type'], text: response.text }).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      text: JSON.stringify(response.json),
    });
  });

  it('bounds the nodes it shows by requests and says so', async () => {
    const body = (await request(`${collector.url}/v1/traces/timeseries?window=600&step=60&nodes=1`)).json as Timeseries;
    expect({ nodes: Object.keys(body.nodes), truncated: body.nodes_truncated }).toEqual({ nodes: ['worker-0'], truncated: true });
  });

  it('answers 400 invalid_parameter for a bad window or step', async () => {
    const cases: Array<[string, string]> = [
      ['window=0', "window: expected an integer from 60 to 604800, got '0'"],
      ['step=90', "step: must be a multiple of 60 seconds (the rollup bucket), got '90'"],
      ['window=604800&step=60', 'window / step gives 10080 points; at most 1000: use a larger step'],
      ['step=abc', "step: expected an integer from 60 to 86400, got 'abc'"],
      ['nodes=0', "nodes: expected an integer from 1 to 1000, got '0'"],
      ['bucket=1', 'unknown query parameter \'bucket\'; known: window, step, node_id, routing_policy, nodes'],
    ];
    for (const [query, message] of cases) {
      const response = await request(`${collector.url}/v1/traces/timeseries?${query}`);
      expect({ query, status: response.status, body: response.json }).toEqual({ query, status: 400, body: { error: { code: 'invalid_parameter', message } } });
    }
  });
});
