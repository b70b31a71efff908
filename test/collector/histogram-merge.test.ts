import { describe, expect, it } from 'vitest';
import { addStored, emptyHistogram, encodeHistogram, HISTOGRAM_BINS, percentiles } from '../../collector/rollups/histogram.js';
import { storedPercentiles } from '../../collector/rollups/stored-quantiles.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** A histogram with a few non-empty bins, counts of either sign (rollup deltas subtract). */
function randomHistogram(random: () => number): Int32Array {
  const counts = emptyHistogram();
  const used = Math.floor(random() * 40);
  for (let i = 0; i < used; i++) {
    const bin = Math.floor(random() * HISTOGRAM_BINS);
    counts[bin] = (counts[bin] ?? 0) + Math.floor(random() * 21) - 10;
  }
  return counts;
}

describe('hist_add (addStored): the sparse merge of two stored histograms', () => {
  it('equals the stored form of the two histograms added bin by bin, empty bins and bins that cancel dropped (500 random pairs)', () => {
    const random = seededRandom(15);
    for (let trial = 0; trial < 500; trial++) {
      const a = randomHistogram(random);
      const b = trial % 5 === 0 ? a.map((count) => -count) : randomHistogram(random);
      const sum = a.map((count, i) => count + (b[i] ?? 0));
      expect(addStored(encodeHistogram(a), encodeHistogram(b))).toEqual(encodeHistogram(sum));
    }
  });

  it('treats anything that is not a stored histogram as empty', () => {
    const a = emptyHistogram();
    a[3] = 2;
    a[519] = -1;
    expect(addStored(encodeHistogram(a), null)).toEqual(encodeHistogram(a));
    expect(addStored('text', encodeHistogram(a))).toEqual(encodeHistogram(a));
    expect(addStored(Buffer.alloc(5), Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });
});

describe('storedPercentiles: p50 and p95 of a few stored histograms summed, read from their sorted entries', () => {
  it('equals the percentiles of their dense sum, for 1 to 12 histograms (300 random cases)', () => {
    const random = seededRandom(16);
    for (let trial = 0; trial < 300; trial++) {
      // Non-negative counts, as a time-series point's rows hold.
      const lists = Array.from({ length: 1 + (trial % 12) }, () => randomHistogram(random).map((count) => Math.abs(count)));
      const sum = emptyHistogram();
      for (const list of lists) list.forEach((count, i) => (sum[i] = (sum[i] ?? 0) + count));
      expect(storedPercentiles(lists.map(encodeHistogram), [0.5, 0.95])).toEqual(percentiles(sum, [0.5, 0.95]));
    }
  });

  it('finds ranks in the lower half walking up and in the upper half walking down with the same answer as the dense sum (300 random cases, quantiles 0.01 to 1)', () => {
    const random = seededRandom(17);
    const quantiles = [0.01, 0.25, 0.5, 0.500001, 0.75, 0.95, 0.99, 1];
    for (let trial = 0; trial < 300; trial++) {
      const lists = Array.from({ length: 1 + (trial % 5) }, () => randomHistogram(random).map((count) => Math.abs(count)));
      const sum = emptyHistogram();
      for (const list of lists) list.forEach((count, i) => (sum[i] = (sum[i] ?? 0) + count));
      expect(storedPercentiles(lists.map(encodeHistogram), quantiles)).toEqual(percentiles(sum, quantiles));
    }
  });
});

