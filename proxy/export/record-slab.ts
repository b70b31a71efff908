import type { RoutingRecordInput } from '#shared/record.js';
import { recordJson } from './record-json.js';

/** Slab size: ~400 records of ~600 bytes. */
const SLAB_BYTES = 256 * 1024;
/** Records longer than this (long error texts, many candidate loads) get a buffer of their own. */
const OWN_BUFFER_BYTES = 16 * 1024;
/** Emptied slabs kept for reuse; more are left to the GC (after a burst). */
const SPARE_SLABS = 8;

interface Slab {
  bytes: Buffer;
  /** Records written into it and not yet released. */
  live: number;
}

/**
 * Records written as JSON into slabs of UTF-8 bytes, at enqueue: what waits in the
 * queue is a view of bytes outside the JS heap, not the record object (~30 fields, its numbers
 * and strings) nor a concatenated string. Records wait up to minExportIntervalMs, long enough to
 * survive scavenges and be promoted; and the envelope is then a copy of bytes (no join, no
 * UTF-8 encoding of a joined string). A slab whose records were all released (sent, refused or
 * dropped) is reused: allocating a fresh one each time grew V8's external memory by megabytes a
 * second, which it answers with full (mark-compact) collections (measured: 3× as many).
 */
export class RecordSlab {
  #current: Slab = { bytes: Buffer.allocUnsafe(SLAB_BYTES), live: 0 };
  #used = 0;
  readonly #spare: Slab[] = [];
  readonly #byMemory = new Map<ArrayBufferLike, Slab>([[this.#current.bytes.buffer, this.#current]]);

  /** The record's JSON bytes, or undefined when recordJson cannot vouch for it (the schema check decides later). */
  write(record: RoutingRecordInput): Buffer | undefined {
    const json = recordJson(record);
    if (json === undefined) return undefined;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = json.length * 3;
    if (most > OWN_BUFFER_BYTES) return Buffer.from(json, 'utf8');
    if (this.#used + most > SLAB_BYTES) this.#next();
    const slab = this.#current;
    const start = this.#used;
    this.#used += slab.bytes.write(json, start, 'utf8');
    slab.live++;
    return slab.bytes.subarray(start, this.#used);
  }

  /** The records' bytes are no longer needed (sent, refused or dropped); views not from a slab are ignored. */
  release(records: ReadonlyArray<Uint8Array | object>): void {
    for (const record of records) {
      if (!(record instanceof Uint8Array)) continue;
      const slab = this.#byMemory.get(record.buffer);
      if (slab === undefined) continue;
      slab.live--;
      if (slab.live === 0 && slab !== this.#current) this.#retire(slab);
    }
  }

  #next(): void {
    const full = this.#current;
    const spare = this.#spare.pop();
    this.#current = spare ?? { bytes: Buffer.allocUnsafe(SLAB_BYTES), live: 0 };
    if (spare === undefined) this.#byMemory.set(this.#current.bytes.buffer, this.#current);
    this.#used = 0;
    if (full.live === 0) this.#retire(full);
  }

  #retire(slab: Slab): void {
    if (this.#spare.length < SPARE_SLABS) this.#spare.push(slab);
    else this.#byMemory.delete(slab.bytes.buffer);
  }
}
