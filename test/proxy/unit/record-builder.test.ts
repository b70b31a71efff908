import { describe, expect, it } from 'vitest';
import { validateRecord } from '#shared/record.js';
import { buildRecord, type RecordFacts } from '../../../proxy/forward/record-builder.js';

const facts: RecordFacts = {
  requestId: 'req-1',
  method: 'POST',
  path: '/generate',
  timestamp: 1_760_000_000_000,
  startedAt: 1000,
  firstByteAt: 1012.5,
  httpStatus: 200,
  stream: false,
  requestModel: 'm-from-request',
  usage: { promptTokens: 100, completionTokens: 7, cachedTokens: 40, model: 'm-from-answer' },
  served: { nodeId: 'worker-1', url: 'http://127.0.0.1:9001', attribution: 'proxy' },
  attributed: undefined,
  queueSize: 2,
  workerLoad: 3,
  prefixMatchRate: 0.5,
  decision: 'tree_match',
  candidateLoads: { 'worker-0': 4, 'worker-1': 2 },
  attempts: 1,
};
const settings = { routingPolicy: 'cache_aware', proxyId: 'proxy-a', selfUrl: 'http://127.0.0.1:30009' };

describe('buildRecord', () => {
  it('builds the whole record from the fixed-shape facts, and the collector schema accepts it', () => {
    const record = buildRecord(facts, { status: 'completed', error: undefined }, settings, 'rec-1', 1040.25);
    expect(record).toEqual({
      record_id: 'rec-1',
      request_id: 'req-1',
      node_id: 'worker-1',
      worker_url: 'http://127.0.0.1:9001',
      routing_policy: 'cache_aware',
      status: 'completed',
      timestamp: 1_760_000_000_000,
      duration_ms: 40.25,
      ttft_ms: 12.5,
      http_status: 200,
      stream: false,
      method: 'POST',
      path: '/generate',
      model: 'm-from-answer',
      prompt_tokens: 100,
      completion_tokens: 7,
      cached_tokens: 40,
      cache_hit: true,
      cache_hit_rate: 0.4,
      queue_size: 2,
      worker_load: 3,
      prefix_match_rate: 0.5,
      attempts: 1,
      dp_rank: undefined,
      decision: 'tree_match',
      candidate_loads: { 'worker-0': 4, 'worker-1': 2 },
      error: undefined,
      proxy_id: 'proxy-a',
      attribution: 'proxy',
    });
    expect(validateRecord(record).ok).toBe(true);
  });

  it('prefers the header attribution (front-of-router mode) with its dp_rank and attempts', () => {
    const record = buildRecord(
      { ...facts, served: { nodeId: 'router', url: 'http://127.0.0.1:9000', attribution: 'router' }, attributed: { nodeId: 'w7', url: 'http://10.0.0.7:8000', attribution: 'header', dpRank: 3, attempts: 2 } },
      { status: 'completed', error: undefined },
      settings,
      'rec-2',
      1040,
    );
    expect(record).toMatchObject({ node_id: 'w7', worker_url: 'http://10.0.0.7:8000', attribution: 'header', dp_rank: 3, attempts: 2 });
  });

  it('names no worker when none was chosen: node "none", the proxy URL, no attempts', () => {
    const record = buildRecord({ ...facts, served: undefined, attempts: 0, usage: undefined, firstByteAt: undefined, httpStatus: 503 }, { status: 'failed', error: 'none of the 2 workers is healthy' }, settings, 'rec-3', 1001);
    expect(record).toMatchObject({ node_id: 'none', worker_url: 'http://127.0.0.1:30009', attempts: undefined, ttft_ms: undefined, model: 'm-from-request', cache_hit: undefined, cache_hit_rate: undefined, status: 'failed', error: 'none of the 2 workers is healthy', attribution: 'proxy' });
  });

  it('clamps cache_hit_rate to 1, cuts long errors and node ids to the contract limits', () => {
    const record = buildRecord(
      { ...facts, usage: { promptTokens: 10, cachedTokens: 500 }, served: { nodeId: 'n'.repeat(300), url: 'http://127.0.0.1:9001', attribution: 'header' } },
      { status: 'failed', error: 'e'.repeat(5000) },
      settings,
      'rec-4',
      1001,
    );
    expect(record.cache_hit_rate).toBe(1);
    expect(record.node_id).toHaveLength(128);
    expect(record.error).toHaveLength(2048);
    expect(validateRecord(record).ok).toBe(true);
  });
});
