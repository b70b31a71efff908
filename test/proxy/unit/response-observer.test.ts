import { describe, expect, it } from 'vitest';
import { MAX_OBSERVED_JSON_BYTES, ResponseObserver } from '../../../proxy/forward/response-observer.js';

const usageEvent = JSON.stringify({ text: 'x', meta_info: { prompt_tokens: 9, completion_tokens: 2, cached_tokens: 3 } });
const expected = { promptTokens: 9, completionTokens: 2, cachedTokens: 3, model: undefined };

function observe(contentType: string, ...chunks: string[]): ResponseObserver {
  const observer = new ResponseObserver(contentType);
  for (const chunk of chunks) observer.push(Buffer.from(chunk));
  return observer;
}

describe('ResponseObserver', () => {
  it('finds the usage in an event stream whatever its line ends (LF, CRLF, CR)', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const observer = observe('text/event-stream', `data: {"text":"a"}${eol}${eol}`, `data: ${usageEvent}${eol}${eol}data: [DONE]${eol}${eol}`);
      expect(observer.finish()).toEqual(expected);
    }
  });

  it('joins multi-line data and survives an event split across chunks, even inside a UTF-8 character', () => {
    const event = Buffer.from(`data: {"text":"é",\ndata: "meta_info":{"prompt_tokens":9,"completion_tokens":2,"cached_tokens":3}}\n\n`);
    const split = event.indexOf(Buffer.from('é')) + 1; // between the two bytes of é
    const observer = new ResponseObserver('text/event-stream');
    observer.push(event.subarray(0, split));
    observer.push(event.subarray(split));
    expect(observer.finish()).toEqual(expected);
  });

  it('reports an error event sent inside a 200 stream', () => {
    expect(observe('text/event-stream', 'data: {"error":{"message":"out of memory"}}\n\n').finish()).toEqual({ error: 'out of memory' });
  });

  it('parses a JSON body at the end, and gives up past the 4 MiB cap', () => {
    expect(observe('application/json', usageEvent.slice(0, 10), usageEvent.slice(10)).finish()).toEqual(expected);
    const big = observe('application/json', JSON.stringify({ pad: 'x'.repeat(MAX_OBSERVED_JSON_BYTES), meta_info: { prompt_tokens: 9 } }));
    expect(big.finish()).toBeUndefined();
  });

  it('ignores other content types', () => {
    expect(observe('text/plain', usageEvent).finish()).toBeUndefined();
  });
});
