import { describe, expect, it } from 'vitest';
import { classifyResponse, describeUpstreamError, mayRetry } from '../../../proxy/forward/outcome.js';

describe('classifyResponse', () => {
  it('a 2xx without an in-stream error is completed with no error', () => {
    expect(classifyResponse(200, undefined)).toEqual({ status: 'completed', error: undefined });
  });
  it('a 4xx is completed (the worker served a bad request), with what the worker said', () => {
    expect(classifyResponse(400, 'Invalid JSON body')).toEqual({ status: 'completed', error: 'worker answered 400: Invalid JSON body' });
  });
  it('a 5xx is failed', () => {
    expect(classifyResponse(503, undefined)).toEqual({ status: 'failed', error: 'worker answered 503' });
  });
  it('an error event inside a 200 stream is failed', () => {
    expect(classifyResponse(200, 'out of memory')).toEqual({ status: 'failed', error: 'worker sent an error: out of memory' });
  });
});

describe('mayRetry: only when the worker provably did not get the request', () => {
  it('retries connection failures, whether or not undici thinks it wrote the request', () => {
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']) {
      expect(mayRetry(code, false)).toBe(true);
      expect(mayRetry(code, true)).toBe(true);
    }
  });
  it('retries a reset only before the request was fully written', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']) {
      expect(mayRetry(code, false)).toBe(true);
      expect(mayRetry(code, true)).toBe(false);
    }
  });
  it('never retries anything else (parse errors, aborts, unknown codes)', () => {
    for (const code of ['HPE_INVALID_CHUNK_SIZE', 'UND_ERR_ABORTED', 'UND_ERR_INFO', '']) {
      expect(mayRetry(code, false)).toBe(false);
      expect(mayRetry(code, true)).toBe(false);
    }
  });
});

describe('describeUpstreamError', () => {
  it('adds the code only when the message does not already name it', () => {
    expect(describeUpstreamError('http://w', Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe('http://w: other side closed (UND_ERR_SOCKET)');
    expect(describeUpstreamError('http://w', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('http://w: connect ECONNREFUSED 127.0.0.1:1');
  });
});
