import { describe, expect, it } from 'vitest';
import { addStored, emptyHistogram, encodeHistogram, HISTOGRAM_BINS } from '../../collector/rollups/histogram.js';
import { POSTGRES_ADMIN_URL, postgresStoreOf, startTestCollector } from '../helpers/collector.js';
import { seededRandom } from '../helpers/seeded-random.js';

// PostgreSQL only: its SQL hist_add (migration 001) must produce the bytes the JS one does
// (SQLite registers the JS one), so a rollup row is identical in both engines.
describe.skipIf(POSTGRES_ADMIN_URL === '')('hist_add in PostgreSQL', () => {
  it('adds two stored histograms byte for byte like the JS addStored, negative counts and cancelling bins included', async () => {
    const collector = await startTestCollector({}, 'postgres');
    const { pool } = postgresStoreOf(collector);
    const random = seededRandom(7);
    const histogram = (): Buffer => {
      const counts = emptyHistogram();
      for (let i = 0; i < 40; i++) counts[Math.floor(random() * HISTOGRAM_BINS)] = Math.floor(random() * 2_000_001) - 1_000_000;
      return encodeHistogram(counts);
    };
    const pairs: Array<[Buffer, Buffer]> = [[Buffer.alloc(0), Buffer.alloc(0)], [histogram(), Buffer.alloc(0)]];
    for (let i = 0; i < 20; i++) pairs.push([histogram(), histogram()]);
    const [a] = pairs[2] ?? [];
    if (a !== undefined) pairs.push([a, negate(a)]);
    for (const [left, right] of pairs) {
      const result = await pool.query<{ sum: Buffer }>('SELECT hist_add($1::bytea, $2::bytea) AS sum', [left, right]);
      expect(result.rows[0]?.sum.toString('hex')).toBe(addStored(left, right).toString('hex'));
    }
  });
});

/** The same bins with every count negated: added to the original, everything cancels. */
function negate(stored: Buffer): Buffer {
  const out = Buffer.from(stored);
  for (let at = 0; at < out.length; at += 8) out.writeInt32LE(-out.readInt32LE(at + 4), at + 4);
  return out;
}
