import { describe, expect, it } from 'vitest';
import type { StoredTrace, TraceStats } from '#shared/api-types.js';
import { TraceClient } from '#shared/client.js';
import { postJson, request, type HttpResponse } from '../helpers/http.js';
import { jsonEvents, postSse } from '../helpers/sse.js';
import { startStack } from '../helpers/stack.js';

describe('collector + proxy + two simulated workers', async () => {
  const stack = await startStack({ workers: 2, proxy: { policy: 'cache_aware' } });
  const prefix = 'You are a support bot for a GPU cluster. Be precise and brief. ';

  it('records every request with the right worker, status and tokens; stats add up', async () => {
    const sent: Array<{ id: string; node: unknown; prompt: number; completion: number; cached: number | null }> = [];
    const note = (id: string, response: HttpResponse, usage: { prompt: number; completion: number; cached: number | null }): void => {
      sent.push({ id, node: response.headers['x-sglang-worker-id'], ...usage });
    };
    for (let i = 0; i < 6; i++) {
      const id = `e2e-gen-${i}`;
      const response = await postJson(`${stack.proxy.url}/generate`, { text: `${prefix}Question ${i}?`, sampling_params: { max_new_tokens: 3 } }, { 'x-request-id': id });
      const meta = (response.json as { meta_info: { prompt_tokens: number; completion_tokens: number; cached_tokens: number } }).meta_info;
      note(id, response, { prompt: meta.prompt_tokens, completion: meta.completion_tokens, cached: meta.cached_tokens });
    }
    for (let i = 0; i < 3; i++) {
      const id = `e2e-chat-${i}`;
      const result = await postSse(`${stack.proxy.url}/v1/chat/completions`, { messages: [{ role: 'user', content: `${prefix}Chat ${i}` }], max_tokens: 2, stream: true, stream_options: { include_usage: true } }, { 'x-request-id': id });
      const usage = (jsonEvents(result).at(-1) as { usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } | null } }).usage;
      sent.push({ id, node: result.headers['x-sglang-worker-id'], prompt: usage.prompt_tokens, completion: usage.completion_tokens, cached: usage.prompt_tokens_details?.cached_tokens ?? null });
    }
    const completion = await postJson(`${stack.proxy.url}/v1/completions`, { prompt: `${prefix}Complete this`, max_tokens: 2 }, { 'x-request-id': 'e2e-cmpl' });
    const completionUsage = (completion.json as { usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } | null } }).usage;
    sent.push({ id: 'e2e-cmpl', node: completion.headers['x-sglang-worker-id'], prompt: completionUsage.prompt_tokens, completion: completionUsage.completion_tokens, cached: completionUsage.prompt_tokens_details?.cached_tokens ?? null });

    const traces = await stack.traces();
    const byId = new Map(traces.map((trace) => [trace.request_id, trace]));
    expect(traces).toHaveLength(sent.length);
    for (const expected of sent) {
      const trace = byId.get(expected.id);
      expect({ id: expected.id, node: trace?.node_id, status: trace?.status, prompt: trace?.prompt_tokens, completion: trace?.completion_tokens, cached: trace?.cached_tokens }).toEqual({
        id: expected.id, node: expected.node, status: 'completed', prompt: expected.prompt, completion: expected.completion, cached: expected.cached,
      });
    }

    const stats = (await request(`${stack.collector.url}/v1/traces/stats`)).json as TraceStats;
    const perNode: Record<string, number> = {};
    for (const expected of sent) perNode[String(expected.node)] = (perNode[String(expected.node)] ?? 0) + 1;
    // Token-weighted over the records that report cached tokens, as the collector computes it.
    const hitRate = (node: string): number | null => {
      const reported = sent.filter((expected) => expected.node === node && expected.cached !== null);
      const prompt = reported.reduce((sum, expected) => sum + expected.prompt, 0);
      return reported.length === 0 ? null : reported.reduce((sum, expected) => sum + (expected.cached ?? 0), 0) / prompt;
    };
    const timestamps = traces.map((trace) => trace.timestamp).sort();
    // Decision figures recomputed from the stored records, the way the collector defines them.
    const decisionsOf = (node: string): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const trace of traces) if (trace.node_id === node && trace.decision !== null) counts[trace.decision] = (counts[trace.decision] ?? 0) + 1;
      return counts;
    };
    const qualityOf = (node: string): TraceStats['nodes'][string]['decision_quality'] => {
      const matched = traces.filter((trace) => trace.node_id === node && trace.prefix_match_rate !== null);
      const withTokens = matched.filter((trace) => trace.prompt_tokens !== null && trace.cached_tokens !== null);
      const prompt = withTokens.reduce((sum, trace) => sum + (trace.prompt_tokens ?? 0), 0);
      return {
        records: matched.length,
        predicted_prefix_match_rate: matched.length === 0 ? null : expect.closeTo(matched.reduce((sum, trace) => sum + (trace.prefix_match_rate ?? 0), 0) / matched.length, 6) as number,
        cache_hit_rate: prompt === 0 ? null : expect.closeTo(withTokens.reduce((sum, trace) => sum + (trace.cached_tokens ?? 0), 0) / prompt, 9) as number,
      };
    };
    expect(stats).toEqual({
      total_requests: sent.length,
      active_traces: sent.length,
      requests_per_node: perNode,
      requests_per_status: { completed: sent.length },
      nodes: Object.fromEntries(Object.entries(perNode).map(([node, requests]) => [node, {
        worker_url: stack.workers.find((worker) => worker.name === node)?.url,
        requests,
        cache_hit_rate: hitRate(node),
        // One request at a time: none was ever queued behind another.
        avg_queue_size: 0,
        p50_duration_ms: expect.any(Number),
        p95_duration_ms: expect.any(Number),
        errors: 0,
        attribution: { proxy: requests, header: 0, router: 0, inferred: 0 },
        decisions: decisionsOf(node),
        decision_quality: qualityOf(node),
      }])),
      nodes_truncated: false,
      other_nodes: null,
      window: null,
      oldest: timestamps[0],
      newest: timestamps.at(-1),
      retention: { max_trace_entries: 1_000_000, trace_ttl_seconds: 3600 },
      dropped_records: 0,
      cached_tokens_clamped: 0,
    });
    // cache_aware decided every request: each record says which branch.
    expect(traces.every((trace) => trace.decision !== null && ['tree_match', 'smallest_tree', 'min_load', 'imbalance'].includes(trace.decision))).toBe(true);
    // The shared prefix made cache_aware keep most of the traffic on one worker, and it hit.
    expect(Object.values(stats.nodes).some((node) => (node.cache_hit_rate ?? 0) > 0.5)).toBe(true);
  });

  it('serves the trace API through the proxy port, on /v1/traces and the unversioned /traces, and to the typed client', async () => {
    const direct = (await request(`${stack.collector.url}/v1/traces/e2e-gen-0`)).json as StoredTrace;
    const viaProxy = await request(`${stack.proxy.url}/v1/traces/e2e-gen-0`);
    expect(viaProxy.status).toBe(200);
    expect(viaProxy.json).toEqual(direct);
    expect((await request(`${stack.proxy.url}/traces/stats`)).json).toEqual((await request(`${stack.collector.url}/traces/stats`)).json);

    const client = new TraceClient({ baseUrl: stack.proxy.url });
    expect(await client.getTrace('e2e-gen-0')).toEqual(direct);
    expect(await client.getTrace('never-sent')).toBeNull();
    expect((await client.listTraces({ limit: 2 })).map((trace) => trace.request_id)).toEqual(['e2e-cmpl', 'e2e-chat-2']);
  });

  it('answers its own routes: /health, /list_workers, /get_loads, /metrics, info GETs', async () => {
    expect((await request(`${stack.proxy.url}/health`)).json).toEqual({ status: 'ok', version: '0.1.0', mode: 'gateway', uptime_seconds: expect.any(Number), healthy_workers: 2, workers: 2 });
    expect((await request(`${stack.proxy.url}/list_workers`)).json).toEqual({
      urls: stack.workers.map((worker) => worker.url),
      workers: stack.workers.map((worker, i) => ({ node_id: `worker-${i}`, url: worker.url, healthy: true, in_flight: 0, worker_load: null })),
    });
    expect((await request(`${stack.proxy.url}/get_loads`)).json).toEqual({
      workers: stack.workers.map((worker, i) => ({ node_id: `worker-${i}`, url: worker.url, status: 200, body: [{ dp_rank: 0, num_reqs: 0, num_waiting_reqs: 0, num_tokens: 0 }] })),
    });
    expect((await request(`${stack.proxy.url}/v1/models`)).json).toEqual({
      object: 'list',
      data: [{ id: 'sim/llama-3-8b-instruct', object: 'model', created: expect.any(Number), owned_by: 'sglang', root: 'sim/llama-3-8b-instruct', max_model_len: 8192 }],
    });
    const metrics = (await request(`${stack.proxy.url}/metrics`)).text;
    expect(metrics).toMatch(/routetrace_proxy_requests_total\{node_id="worker-\d",status="completed"\} \d+/);
    expect(metrics).toContain('routetrace_proxy_policy_decisions_total{policy="cache_aware",decision="tree_match"}');
    expect(metrics).toContain('routetrace_proxy_exporter_queue_length 0');
    expect(metrics).toContain('routetrace_proxy_records_sent_total 10');
  });

});

describe('worker_load from a worker with a real queue', async () => {
  // One request runs at a time; each takes 50 tokens at 100 tokens/s (500 ms).
  const stack = await startStack({ workers: 1, sim: { maxRunningRequests: 1, decodeTokensPerSec: 100 }, proxy: { policy: 'round_robin' } });
  const [worker] = stack.workers;

  it('records the waiting requests /get_load reported when the proxy polled it', async () => {
    if (worker === undefined) throw new Error('no worker');
    let accepted = 0;
    const queued = new Promise<void>((resolve) => {
      worker.events.on('generation', () => {
        if (++accepted === 3) resolve();
      });
    });
    // Sent to the worker directly, so the proxy's own in-flight count stays 0: one runs, two wait.
    const direct = [1, 2, 3].map((i) => postJson(`${worker.url}/generate`, { text: `queue ${i}`, sampling_params: { max_new_tokens: 50 } }));
    await queued;
    await stack.proxy.monitor.pollLoad();
    const response = await postJson(`${stack.proxy.url}/generate`, { text: 'load check', sampling_params: { max_new_tokens: 1 } }, { 'x-request-id': 'with-load' });
    expect(response.status).toBe(200);
    await Promise.all(direct);
    const [trace] = await stack.traces('?request_id=with-load');
    expect({ worker_load: trace?.worker_load, queue_size: trace?.queue_size, node_id: trace?.node_id }).toEqual({ worker_load: 2, queue_size: 0, node_id: 'worker-0' });
  });
});
