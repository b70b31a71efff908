import { describe, expect, it } from 'vitest';
import type { TraceStats } from '#shared/api-types.js';
import { startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

describe('collector ingest limits', async () => {
  const collector = await startTestCollector();
  const ingest = `${collector.url}/v1/traces`;

  it('refuses a record routed more than --max-clock-skew (300 s) in the future, and keeps one inside it', async () => {
    const future = makeRecord({ timestamp: '9999-12-31T23:59:59Z' });
    const soon = makeRecord({ timestamp: Date.now() + 60_000 });
    const answer = await postJson(ingest, [soon, future]);
    expect(answer.status).toBe(200);
    const body = answer.json as { accepted: number; rejected: Array<{ index: number; error: string }> };
    expect({ accepted: body.accepted, rejected: body.rejected.map((entry) => entry.index) }).toEqual({ accepted: 1, rejected: [1] });
    expect(body.rejected[0]?.error).toMatch(/^timestamp: 9999-12-31T23:59:59\.000Z is more than 300 s ahead of the collector's clock \(.+\); check the sender's clock$/);
  });

  it('refuses NUL and lone UTF-16 surrogates in node_id, with the field named', async () => {
    for (const nodeId of ['gpu\u00000', 'gpu-\ud800', '\udc00']) {
      const answer = await postJson(ingest, [makeRecord({ node_id: nodeId })]);
      expect({ status: answer.status, body: answer.json }).toEqual({
        status: 400,
        body: { accepted: 0, duplicates: 0, rejected: [{ index: 0, error: 'node_id: must not contain NUL or a lone UTF-16 surrogate' }], error: { code: 'no_valid_records', message: 'all 1 records are invalid' } },
      });
    }
    // A surrogate pair (an emoji) is fine.
    expect((await postJson(ingest, [makeRecord({ node_id: 'gpu-\ud83d\ude80' })])).status).toBe(200);
  });

  it('stores an all-invalid batch\'s drop count before answering 400', async () => {
    const before = ((await request(`${collector.url}/v1/traces/stats`)).json as TraceStats).dropped_records;
    const answer = await postJson(ingest, { records: [{ ...makeRecord(), status: 'bad' }], proxy_id: 'p', dropped: 5 });
    expect(answer.status).toBe(400);
    expect(((await request(`${collector.url}/v1/traces/stats`)).json as TraceStats).dropped_records).toBe(before + 5);
  });

  it('refuses a drop count above 1e9 per envelope (400 invalid_batch)', async () => {
    const answer = await postJson(ingest, { records: [makeRecord()], dropped: 2 ** 53 });
    expect({ status: answer.status, body: answer.json }).toEqual({ status: 400, body: { error: { code: 'invalid_batch', message: 'dropped: must be an integer from 0 to 1000000000' } } });
  });
});

describe('stats with 100,000 distinct node ids', async () => {
  const collector = await startTestCollector({ maxTraceEntries: 200_000 });
  for (let batch = 0; batch < 100; batch++) {
    const records = Array.from({ length: 1000 }, (_, i) => makeRecord({ node_id: `node-${batch * 1000 + i}`, duration_ms: 10, status: i === 0 ? 'failed' : 'completed' }));
    // Node 0 gets more records, so it ranks first.
    if (batch === 0) records.push(makeRecord({ node_id: 'node-0', duration_ms: 10 }), makeRecord({ node_id: 'node-0', duration_ms: 10 }));
    await postJson(`${collector.url}/v1/traces`, records);
  }

  it('shows the top 100 nodes in full and sums the other 99,900, with a flag', async () => {
    const response = await request(`${collector.url}/v1/traces/stats`);
    const body = response.json as TraceStats;
    expect(response.text.length).toBeLessThan(200_000);
    expect({
      shown: Object.keys(body.nodes).length,
      perNode: Object.keys(body.requests_per_node).length,
      first: body.nodes['node-0']?.requests,
      truncated: body.nodes_truncated,
      others: { nodes: body.other_nodes?.nodes, requests: body.other_nodes?.requests },
      // 100 failed records in all: those of shown nodes plus those summed in other_nodes.
      errors: Object.values(body.nodes).reduce((total, node) => total + node.errors, 0) + (body.other_nodes?.errors ?? 0),
      active: body.active_traces,
    }).toEqual({ shown: 100, perNode: 100, first: 3, truncated: true, others: { nodes: 99_900, requests: 99_900 }, errors: 100, active: 100_002 });
    const fewer = (await request(`${collector.url}/v1/traces/stats?nodes=5`)).json as TraceStats;
    expect({ shown: Object.keys(fewer.nodes).length, others: fewer.other_nodes?.nodes }).toEqual({ shown: 5, others: 99_995 });
  }, 60_000);
});
