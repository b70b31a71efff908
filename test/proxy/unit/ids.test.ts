import { describe, expect, it } from 'vitest';
import { generateRequestId, uuidV7 } from '../../../proxy/forward/ids.js';

describe('ids', () => {
  it('request ids: the endpoint prefix and 24 alphanumerics, all distinct', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => generateRequestId(i % 2 === 0 ? '/generate' : '/v1/chat/completions'));
    expect(ids[0]).toMatch(/^gnt-[A-Za-z0-9]{24}$/);
    expect(ids[1]).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('record ids are RFC 9562 version-7 UUIDs carrying the millisecond, so they sort by time', () => {
    const early = uuidV7(1_700_000_000_000);
    const late = uuidV7(1_700_000_000_001);
    expect(early).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(early.replaceAll('-', '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
    expect(early < late).toBe(true);
    const many = Array.from({ length: 5000 }, () => uuidV7());
    expect(new Set(many).size).toBe(many.length);
  });

  it('record ids carry all 48 bits of the millisecond, past 32 bits too', () => {
    expect(uuidV7(0x0123_4567_89ab).slice(0, 13)).toBe('01234567-89ab');
    expect(uuidV7(2 ** 48 - 1).slice(0, 13)).toBe('ffffffff-ffff');
    expect(uuidV7(0).slice(0, 13)).toBe('00000000-0000');
  });
});
