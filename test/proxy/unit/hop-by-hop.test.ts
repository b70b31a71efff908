import { describe, expect, it } from 'vitest';
import { CLIENT_BODY, forwardHeaders, PROXY_SET } from '../../../proxy/forward/hop-by-hop.js';

describe('hop-by-hop headers (RFC 9110 §7.6.1)', () => {
  it('drops them from a request, with the headers Connection names, Host and Expect', () => {
    const headers = {
      host: 'proxy:30009',
      connection: 'keep-alive, X-Secret-Hop',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      trailer: 'x-checksum',
      upgrade: 'websocket',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'proxy-connection': 'keep-alive',
      'transfer-encoding': 'chunked',
      expect: '100-continue',
      'x-secret-hop': 'dropped',
      'x-request-id': 'set-by-the-proxy',
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
    };
    expect(forwardHeaders(headers, CLIENT_BODY)).toEqual(['content-type', 'application/json', 'set-cookie', 'a=1', 'set-cookie', 'b=2']);
  });

  it('drops them from a response, with the headers Connection names', () => {
    const headers: Record<string, string> = { connection: 'close, x-hop', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'x-hop': '1', 'content-type': 'text/event-stream', 'proxy-authenticate': 'Basic' };
    expect(forwardHeaders(headers, {})).toEqual(['content-type', 'text/event-stream']);
  });

  it('drops a worker\'s own x-request-id and x-sglang-worker headers (the proxy sets them) and keeps repeated headers', () => {
    const headers = { 'x-request-id': 'from-worker', 'x-sglang-worker': 'w', 'x-sglang-worker-id': 'id', 'set-cookie': ['a=1', 'b=2'], 'content-length': '2' };
    expect(forwardHeaders(headers, PROXY_SET)).toEqual(['set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-length', '2']);
  });
});
