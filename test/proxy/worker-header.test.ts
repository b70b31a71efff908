import { describe, expect, it } from 'vitest';
import { attributeFromHeaders, workerHeaderNames } from '../../proxy/attribution/worker-header.js';
import { parseWorkerSpecs } from '../../proxy/workers/backend.js';

const ROUTER = 'http://127.0.0.1:30000';
const known = parseWorkerSpecs(['gpu-a=http://10.0.0.5:30001', 'gpu-b=http://10.0.0.6:30001/', 'gpu-c=https://node7.example']);
const HEADERS = workerHeaderNames(undefined);

const attribute = (value: string, workers = known) => attributeFromHeaders({ 'x-smg-routed-worker-id': value }, HEADERS, workers, ROUTER);

describe('attributeFromHeaders: every form routers send', () => {
  it('reads x-smg-routed-worker-id and x-sglang-worker by default, --worker-header first', () => {
    expect(workerHeaderNames(undefined)).toEqual(['x-smg-routed-worker-id', 'x-sglang-worker']);
    expect(workerHeaderNames('X-Upstream')).toEqual(['x-upstream', 'x-smg-routed-worker-id', 'x-sglang-worker']);
    expect(workerHeaderNames('x-sglang-worker')).toEqual(['x-sglang-worker', 'x-smg-routed-worker-id']);
    const both = { 'x-upstream': '10.0.0.6:30001', 'x-smg-routed-worker-id': 'http://10.0.0.5:30001' };
    expect(attributeFromHeaders(both, workerHeaderNames('x-upstream'), known, ROUTER)?.nodeId).toBe('gpu-b');
    expect(attributeFromHeaders({ 'x-sglang-worker': 'http://10.0.0.5:30001' }, HEADERS, known, ROUTER)).toEqual({ nodeId: 'gpu-a', url: 'http://10.0.0.5:30001', attribution: 'header' });
  });

  it('a known worker URL maps to its --worker-urls name and URL', () => {
    expect(attribute('http://10.0.0.5:30001')).toEqual({ nodeId: 'gpu-a', url: 'http://10.0.0.5:30001', attribution: 'header' });
    expect(attribute('http://10.0.0.6:30001/')).toEqual({ nodeId: 'gpu-b', url: 'http://10.0.0.6:30001', attribution: 'header' });
  });

  it('SGLang Model Gateway URL@rank: the rank goes to dpRank, the URL still maps (no user-info misparse)', () => {
    expect(attribute('http://10.0.0.5:30001@3')).toEqual({ nodeId: 'gpu-a', url: 'http://10.0.0.5:30001', attribution: 'header', dpRank: 3 });
    expect(attribute('http://10.0.0.9:30001@0')).toEqual({ nodeId: '10.0.0.9:30001', url: 'http://10.0.0.9:30001', attribution: 'header', dpRank: 0 });
  });

  it('host:port (nginx $upstream_addr, HAProxy %si:%sp) maps by host and port', () => {
    expect(attribute('10.0.0.6:30001')).toEqual({ nodeId: 'gpu-b', url: 'http://10.0.0.6:30001', attribution: 'header' });
    expect(attribute('node7.example:443')).toEqual({ nodeId: 'gpu-c', url: 'https://node7.example', attribution: 'header' });
    expect(attribute('10.0.0.5:30002')).toEqual({ nodeId: '10.0.0.5:30002', url: 'http://10.0.0.5:30002', attribution: 'header' });
    expect(attribute('[::1]:8080')).toEqual({ nodeId: '[::1]:8080', url: 'http://[::1]:8080', attribution: 'header' });
  });

  it('a default port written out or left out is the same worker', () => {
    const plain = parseWorkerSpecs(['w=http://gpu-host']);
    expect(attribute('gpu-host:80', plain)).toEqual({ nodeId: 'w', url: 'http://gpu-host', attribution: 'header' });
    expect(attribute('http://GPU-HOST:80/', plain)).toEqual({ nodeId: 'w', url: 'http://gpu-host', attribution: 'header' });
  });

  it('nginx list after a retry: the last entry served, attempts = list length', () => {
    expect(attribute('10.0.0.9:30001, 10.0.0.5:30001')).toEqual({ nodeId: 'gpu-a', url: 'http://10.0.0.5:30001', attribution: 'header', attempts: 2 });
    expect(attribute('10.0.0.9:30001, 10.0.0.8:30001 : 10.0.0.6:30001')).toEqual({ nodeId: 'gpu-b', url: 'http://10.0.0.6:30001', attribution: 'header', attempts: 3 });
  });

  it('a --worker-urls name is taken as is', () => {
    expect(attribute('gpu-c')).toEqual({ nodeId: 'gpu-c', url: 'https://node7.example', attribution: 'header' });
  });

  it('an unknown name is the node id; the router stays the worker_url', () => {
    expect(attribute('decode-worker-17')).toEqual({ nodeId: 'decode-worker-17', url: ROUTER, attribution: 'header' });
    expect(attribute('unix:/run/sglang.sock')).toEqual({ nodeId: 'unix:/run/sglang.sock', url: ROUTER, attribution: 'header' });
    expect(attribute('name@7')).toEqual({ nodeId: 'name@7', url: ROUTER, attribution: 'header' });
  });

  it('a long header value is cut to the record\'s 128-character node_id; a too-long URL falls back to the router', () => {
    const long = 'w'.repeat(5000);
    expect(attribute(long)).toEqual({ nodeId: 'w'.repeat(128), url: ROUTER, attribution: 'header' });
    const host = `${'h'.repeat(60)}.${'h'.repeat(60)}.${'h'.repeat(60)}`;
    expect(attribute(`${host}:80`)).toEqual({ nodeId: `${host}:80`.slice(0, 128), url: `http://${host}:80`, attribution: 'header' });
  });

  it('no header, an empty header, or a list of only separators: no attribution', () => {
    expect(attributeFromHeaders({}, HEADERS, known, ROUTER)).toBeUndefined();
    expect(attribute('   ')).toBeUndefined();
    expect(attribute(' , ')).toBeUndefined();
  });

  it('a URL with user-info is not read as a host (it is kept as a name)', () => {
    expect(attribute('http://user:pw@10.0.0.5:30001')).toEqual({ nodeId: 'http://user:pw@10.0.0.5:30001', url: ROUTER, attribution: 'header' });
  });
});
