/** Slab size: ~400 records of ~600 bytes, a new one every ~50 ms at 8,000 req/s. */
const SLAB_BYTES = 256 * 1024;
/** Records longer than this (a long error, many candidate loads) get a buffer of their own. */
const OWN_BUFFER_BYTES = SLAB_BYTES / 16;

/**
 * A record's JSON text copied into a shared slab as UTF-8, at enqueue: what waits in the queue
 * is a view of bytes outside the JS heap, not the record object (~30 fields, its numbers and
 * strings) nor a concatenated string. Records wait up to minExportIntervalMs, long enough to
 * survive scavenges and be promoted; and the envelope is then a copy of bytes (no join, no
 * UTF-8 encoding of a joined string). A slab stays alive while a view of it is queued.
 */
export class RecordSlab {
  #slab = Buffer.allocUnsafe(SLAB_BYTES);
  #used = 0;

  copy(text: string): Buffer {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = text.length * 3;
    if (most > OWN_BUFFER_BYTES) return Buffer.from(text, 'utf8');
    if (this.#used + most > SLAB_BYTES) {
      this.#slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.#used = 0;
    }
    const start = this.#used;
    this.#used += this.#slab.write(text, start, 'utf8');
    return this.#slab.subarray(start, this.#used);
  }
}
