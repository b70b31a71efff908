import { describe, expect, it } from 'vitest';
import { ProxyMetrics } from '../../../proxy/metrics.js';
import { RequestMetrics } from '../../../proxy/forward/request-metrics.js';
import type { Backend } from '../../../proxy/workers/backend.js';

const series = (text: string, name: string): string[] => text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('request counters kept as plain numbers', () => {
  it('each scrape shows the totals so far, only for the series counted at least once', async () => {
    const metrics = new ProxyMetrics([] as Backend[], () => undefined);
    const counted = new RequestMetrics(metrics);
    counted.request('worker-0', 'completed');
    counted.request('worker-0', 'completed');
    counted.request('worker-1', 'failed');
    counted.decision('round_robin', 'round_robin');
    counted.decision('round_robin', 'retry');
    counted.retry();
    const first = await metrics.registry.metrics();
    expect(series(first, 'routetrace_proxy_requests_total')).toEqual([
      'routetrace_proxy_requests_total{node_id="worker-0",status="completed"} 2',
      'routetrace_proxy_requests_total{node_id="worker-1",status="failed"} 1',
    ]);
    expect(series(first, 'routetrace_proxy_policy_decisions_total')).toEqual([
      'routetrace_proxy_policy_decisions_total{policy="round_robin",decision="round_robin"} 1',
      'routetrace_proxy_policy_decisions_total{policy="round_robin",decision="retry"} 1',
    ]);
    expect(series(first, 'routetrace_proxy_retries_total')).toEqual(['routetrace_proxy_retries_total 1']);

    counted.request('worker-0', 'completed');
    const second = await metrics.registry.metrics();
    // A second scrape must not add the totals up again.
    expect(series(second, 'routetrace_proxy_requests_total')).toEqual([
      'routetrace_proxy_requests_total{node_id="worker-0",status="completed"} 3',
      'routetrace_proxy_requests_total{node_id="worker-1",status="failed"} 1',
    ]);
  });
});
