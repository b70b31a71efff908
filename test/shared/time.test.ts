import { describe, expect, it } from 'vitest';
import { MAX_EPOCH_MS, parseIsoTime, parseTimeParameter, parseTimeValue, toIso } from '#shared/time.js';

describe('timestamps on the wire', () => {
  it('reads ISO 8601 with Z or an offset, to the millisecond', () => {
    expect(parseIsoTime('2026-01-31T12:00:00Z')).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseIsoTime('2026-01-31T12:00:00.123456789Z')).toBe(Date.UTC(2026, 0, 31, 12, 0, 0, 123));
    expect(parseIsoTime('2026-01-31T17:30:00+05:30')).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseIsoTime('2026-01-31T07:00-0500')).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseIsoTime('2026-01-31')).toBe(Date.UTC(2026, 0, 31));
  });

  it('refuses a local time without an offset, and text that is not ISO 8601', () => {
    expect(['2026-01-31T12:00:00', 'yesterday', '31/01/2026', '2026-1-31T12:00:00Z', ''].map(parseIsoTime)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('refuses impossible calendar fields instead of rolling them over', () => {
    expect(['2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T12:60:00Z', '2026-01-01T12:00:60Z', '2026-01-01T12:00:00+24:00'].map(parseIsoTime))
      .toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(parseIsoTime('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });

  it('takes epoch ms from 0 to 9999-12-31T23:59:59.999Z, whole numbers only', () => {
    expect(toIso(MAX_EPOCH_MS)).toBe('9999-12-31T23:59:59.999Z');
    expect([0, MAX_EPOCH_MS, MAX_EPOCH_MS + 1, -1, 1.5, Number.NaN, '1767225600000', null].map(parseTimeValue)).toEqual([0, MAX_EPOCH_MS, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(parseIsoTime('1969-12-31T23:59:59Z')).toBeUndefined();
  });

  it('reads a query parameter as epoch ms when it is digits, else as ISO 8601', () => {
    expect(['1767225600000', '2026-01-01T00:00:00Z', String(MAX_EPOCH_MS + 1), '12345678901234567', '-5'].map(parseTimeParameter)).toEqual([1767225600000, 1767225600000, undefined, undefined, undefined]);
  });
});
