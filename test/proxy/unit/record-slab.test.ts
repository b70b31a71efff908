import { describe, expect, it } from 'vitest';
import { RecordSlab } from '../../../proxy/export/record-slab.js';
import { makeRecord } from '../../helpers/records.js';

const big = (i: number) => makeRecord({ error: `failure ${i} ${'x'.repeat(1500)}` });

describe('RecordSlab (record bytes for the exporter queue)', () => {
  it('writes a record as the JSON of the record, and refuses one the fast check would not settle', () => {
    const slab = new RecordSlab();
    const record = makeRecord({ model: 'm "quoted" é', duration_ms: 1.25 });
    expect(JSON.parse(Buffer.from(slab.write(record) ?? []).toString('utf8'))).toEqual(record);
    expect(slab.write(makeRecord({ node_id: '' }))).toBeUndefined();
  });

  it('reuses the memory of released records, and never that of records still held', () => {
    const slab = new RecordSlab();
    const held = Array.from({ length: 50 }, (_, i) => big(i));
    const heldBytes = held.map((record) => slab.write(record));
    const memory = new Set<ArrayBufferLike>();
    // 40 rounds of 200 records (~1.5 MB each), each round released before the next.
    for (let round = 0; round < 40; round++) {
      const views = Array.from({ length: 200 }, (_, i) => slab.write(big(1000 + i)) ?? Buffer.alloc(0));
      for (const view of views) memory.add(view.buffer);
      slab.release(views);
    }
    // Reused: far fewer slabs than the ~240 that 8,000 records of ~1.5 KB fill.
    expect(memory.size).toBeLessThan(30);
    expect(heldBytes.map((bytes) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8')) as unknown)).toEqual(held);
  });
});
