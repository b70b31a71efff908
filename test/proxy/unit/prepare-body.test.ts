import { describe, expect, it } from 'vitest';
import { prepareBody, spliceRid } from '../../../proxy/forward/prepare-body.js';

describe('spliceRid', () => {
  it('puts rid first in an object with members, keeping every other byte', () => {
    expect(spliceRid('{"text":"hi","x":[1,2]}', 'gnt-1')).toBe('{"rid":"gnt-1","text":"hi","x":[1,2]}');
  });
  it('handles an empty object and leading whitespace', () => {
    expect(spliceRid('{}', 'a')).toBe('{"rid":"a"}');
    expect(spliceRid(' \r\n\t{ \n}', 'a')).toBe(' \r\n\t{"rid":"a" \n}');
  });
  it('escapes the id as a JSON string', () => {
    expect(JSON.parse(spliceRid('{"a":1}', 'q"\\x'))).toEqual({ rid: 'q"\\x', a: 1 });
  });
  it('refuses text that is not an object', () => {
    expect(() => spliceRid('[1]', 'a')).toThrow('not a JSON object');
  });
});

describe('prepareBody', () => {
  it('injects rid into a single /generate request and reports its facts', () => {
    const prepared = prepareBody('/generate', Buffer.from('{"text":"hello","stream":true,"model":"m"}'), 'gnt-7');
    expect(prepared.body.toString()).toBe('{"rid":"gnt-7","text":"hello","stream":true,"model":"m"}');
    expect(prepared.facts).toEqual({ promptText: 'hello', rid: 'gnt-7', model: 'm', stream: true, canInjectRid: true });
  });
  it('leaves a batched request, a body with its own rid, and non-JSON untouched', () => {
    for (const text of ['{"text":["a","b"]}', '{"text":"a","rid":"mine"}', '{oops']) {
      const raw = Buffer.from(text);
      expect(prepareBody('/generate', raw, 'gnt-7').body).toBe(raw);
    }
  });
  it('injects into a body nested a million levels deep without re-serialising it', () => {
    const deep = `{"text":"x","extra":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    const prepared = prepareBody('/generate', Buffer.from(deep), 'gnt-deep');
    expect(prepared.body.toString()).toBe(`{"rid":"gnt-deep",${deep.slice(1)}`);
  });
});
