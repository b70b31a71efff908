import { describe, expect, it } from 'vitest';
import { postJson, request } from '../helpers/http.js';
import { startStack } from '../helpers/stack.js';

const generate = (text: string) => ({ text, sampling_params: { max_new_tokens: 1 } });

describe('the stored record carries the routing decision and the candidates\' loads', async () => {
  const stack = await startStack({ workers: 2, proxy: { policy: 'round_robin' } });

  it('round_robin: decision "round_robin", candidate_loads of both workers, in the stored record', async () => {
    await postJson(`${stack.proxy.url}/generate`, generate('first'), { 'x-request-id': 'decision-0' });
    await stack.proxy.exporter?.forceFlush();
    const stored = (await request(`${stack.collector.url}/v1/traces/decision-0`)).json as Record<string, unknown>;
    expect({ node: stored.node_id, decision: stored.decision, loads: stored.candidate_loads, attempts: stored.attempts }).toEqual({
      node: 'worker-0', decision: 'round_robin', loads: { 'worker-0': 0, 'worker-1': 0 }, attempts: 1,
    });
    const metrics = (await request(`${stack.proxy.url}/metrics`)).text;
    expect(metrics).toContain('routetrace_proxy_policy_decisions_total{policy="round_robin",decision="round_robin"} 1');
  });

  it('a retry after a refused connection: decision "retry", the second worker, attempts 2', async () => {
    await stack.proxy.monitor.firstCheck;
    // round robin's next pick is worker-1: stop it so its connection is refused.
    await stack.workers[1]?.close();
    await postJson(`${stack.proxy.url}/generate`, generate('second'), { 'x-request-id': 'decision-1' });
    await stack.proxy.exporter?.forceFlush();
    const stored = (await request(`${stack.collector.url}/v1/traces/decision-1`)).json as Record<string, unknown>;
    expect({ node: stored.node_id, status: stored.status, decision: stored.decision, loads: stored.candidate_loads, attempts: stored.attempts }).toEqual({
      node: 'worker-0', status: 'completed', decision: 'retry', loads: { 'worker-0': 0 }, attempts: 2,
    });
    const metrics = (await request(`${stack.proxy.url}/metrics`)).text;
    expect(metrics).toContain('routetrace_proxy_policy_decisions_total{policy="round_robin",decision="retry"} 1');
  });
});
