import type { RoutingRecordInput } from '#shared/record.js';
import { JsonBytes } from './json-bytes.js';
import { recordJson, writeRecordJson } from './record-json.js';

/** Slab size: ~400 records of ~600 bytes. */
const SLAB_BYTES = 256 * 1024;
/** Free room a record is written into; one that does not fit (huge error texts, many loads) gets a buffer of its own. */
const RECORD_ROOM = 16 * 1024;
/** Emptied slabs kept for reuse; more are left to the GC (after a burst). */
const SPARE_SLABS = 8;

interface Slab {
  bytes: Buffer;
  /** Records written into it and not yet released. */
  live: number;
}

/**
 * Records written as JSON straight into slabs of UTF-8 bytes, at enqueue: what waits in the
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
  readonly #out = new JsonBytes(this.#current.bytes);

  /** The record's JSON bytes, or undefined when recordJson cannot vouch for it (the schema check decides later). */
  write(record: RoutingRecordInput): Buffer | undefined {
    if (this.#used + RECORD_ROOM > SLAB_BYTES) this.#next();
    const slab = this.#current;
    const out = this.#out;
    out.reset(slab.bytes, this.#used);
    const ok = writeRecordJson(record, out);
    if (out.full) {
      const json = recordJson(record);
      return json === undefined ? undefined : Buffer.from(json, 'utf8');
    }
    if (!ok) return undefined;
    const start = this.#used;
    this.#used = out.at;
    slab.live++;
    return slab.bytes.subarray(start, out.at);
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
