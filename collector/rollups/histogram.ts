/**
 * A fixed log-scale histogram of milliseconds: 520 bins from 0.1 ms to 3,600 s, each 3.4% wider
 * than the last (values under 0.1 ms in bin 0, over 3,600 s in the last). Fixed bins make
 * histograms addable and subtractable, which is what lets retention keep rollups exact.
 *
 * A percentile is reported as its bin's geometric midpoint, so it is within 1.7% of the exact
 * nearest-rank value (half a bin; the 2% bound README states). Stored sparse, as 8-byte
 * (uint32 bin, int32 count) little-endian pairs for the non-empty bins: a 10 s bucket of one
 * node touches a few dozen bins, so a BLOB (bytea in PostgreSQL) of a few hundred bytes.
 */
export const HISTOGRAM_BINS = 520;
const MIN_MS = 0.1;
const MAX_MS = 3_600_000;
const LOG_SPAN = Math.log(MAX_MS / MIN_MS);
const ENTRY_BYTES = 8;

/** Lower edge of bin `i`; bin 0 reaches down to 0. */
function edge(i: number): number {
  return MIN_MS * Math.exp((LOG_SPAN * i) / HISTOGRAM_BINS);
}

export function binOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const bin = Math.floor((Math.log(ms / MIN_MS) / LOG_SPAN) * HISTOGRAM_BINS);
  return Math.min(HISTOGRAM_BINS - 1, Math.max(0, bin));
}

/** What a percentile in bin `i` reports: the geometric midpoint (bin 0: half its upper edge). */
export function binValue(i: number): number {
  const value = i === 0 ? edge(1) / 2 : Math.sqrt(edge(i) * edge(i + 1));
  return Math.round(value * 1000) / 1000;
}

export function emptyHistogram(): Int32Array {
  return new Int32Array(HISTOGRAM_BINS);
}

/** The non-empty bins as stored bytes. */
export function encodeHistogram(counts: Int32Array): Buffer {
  let used = 0;
  for (const count of counts) if (count !== 0) used += 1;
  const out = Buffer.allocUnsafe(used * ENTRY_BYTES);
  let at = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count === 0) continue;
    out.writeUInt32LE(i, at);
    out.writeInt32LE(count, at + 4);
    at += ENTRY_BYTES;
  }
  return out;
}

/** Adds a stored histogram (anything else counts as empty) into `into`. */
export function addEncoded(into: Int32Array, blob: unknown): void {
  if (!(blob instanceof Uint8Array) || blob.byteLength % ENTRY_BYTES !== 0) return;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let at = 0; at < blob.byteLength; at += ENTRY_BYTES) {
    const bin = view.getUint32(at, true);
    if (bin < HISTOGRAM_BINS) into[bin] = (into[bin] ?? 0) + view.getInt32(at + 4, true);
  }
}

/** Two stored histograms added: what the database's `hist_add(a, b)` returns. */
export function addStored(a: unknown, b: unknown): Buffer {
  const sum = emptyHistogram();
  addEncoded(sum, a);
  addEncoded(sum, b);
  return encodeHistogram(sum);
}

/** The nearest-rank percentile (the value at rank ceil(p × n)), as its bin's midpoint; null when empty. */
export function percentile(counts: Int32Array, p: number): number | null {
  let total = 0;
  for (const count of counts) total += count;
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < HISTOGRAM_BINS; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return binValue(i);
  }
  return null;
}
