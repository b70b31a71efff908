import type { RoutingRecordInput } from '#shared/record.js';
import { JsonBytes } from './json-bytes.js';
import { recordJson, writeRecordJson } from './record-json.js';

/** Slab size: ~400 records of ~600 bytes, a new one every ~50 ms at 8,000 req/s. */
const SLAB_BYTES = 256 * 1024;
/** Free room a record is written into; one that does not fit (huge error texts, many loads) gets a buffer of its own. */
const RECORD_ROOM = 16 * 1024;

/**
 * Records written as JSON straight into a shared slab of UTF-8 bytes, at enqueue: what waits
 * in the queue is a view of bytes outside the JS heap, not the record object (~30 fields, its
 * numbers and strings) nor a concatenated string. Records wait up to minExportIntervalMs, long
 * enough to survive scavenges and be promoted; and the envelope is then a copy of bytes (no
 * join, no UTF-8 encoding of a joined string). A slab stays alive while a view of it is queued.
 */
export class RecordSlab {
  #slab = Buffer.allocUnsafe(SLAB_BYTES);
  #used = 0;
  readonly #out = new JsonBytes(this.#slab);

  /** The record's JSON bytes, or undefined when recordJson cannot vouch for it (the schema check decides later). */
  write(record: RoutingRecordInput): Buffer | undefined {
    if (this.#used + RECORD_ROOM > SLAB_BYTES) {
      this.#slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.#used = 0;
    }
    const out = this.#out;
    out.reset(this.#slab, this.#used);
    const ok = writeRecordJson(record, out);
    if (out.full) {
      const json = recordJson(record);
      return json === undefined ? undefined : Buffer.from(json, 'utf8');
    }
    if (!ok) return undefined;
    const start = this.#used;
    this.#used = out.at;
    return this.#slab.subarray(start, out.at);
  }
}
