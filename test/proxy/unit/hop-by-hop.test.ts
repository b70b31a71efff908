import { describe, expect, it } from 'vitest';
import { CLIENT_BODY, forwardRequestHeaders, stripResponseHopByHop } from '../../../proxy/forward/hop-by-hop.js';

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
    expect(forwardRequestHeaders(headers, CLIENT_BODY)).toEqual(['content-type', 'application/json', 'set-cookie', 'a=1', 'set-cookie', 'b=2']);
  });

  it('drops them from a response, in place', () => {
    const headers: Record<string, string> = { connection: 'close, x-hop', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'x-hop': '1', 'content-type': 'text/event-stream', 'proxy-authenticate': 'Basic' };
    stripResponseHopByHop(headers);
    expect(headers).toEqual({ 'content-type': 'text/event-stream' });
  });
});
