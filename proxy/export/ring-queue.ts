/**
 * A bounded FIFO on a ring buffer: O(1) push, shift and drop-oldest, where Array#shift would
 * move the whole queue (100,000 records by default) on every drop.
 */
export class RingQueue<T> {
  readonly capacity: number;
  #items: Array<T | undefined>;
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Appends; when full, drops the oldest item first and returns true. */
  push(item: T): boolean {
    let dropped = false;
    if (this.#length === this.capacity) {
      this.shift();
      dropped = true;
    }
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
    return dropped;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    return item;
  }

  /** Removes and returns up to `count` items from the front. */
  take(count: number): T[] {
    const taken: T[] = [];
    while (taken.length < count && this.#length > 0) taken.push(this.shift() as T);
    return taken;
  }

  /**
   * Puts items back at the front, in order (a batch that failed to send). The front is the
   * oldest end, so when there is no room the excess of these items is what gets dropped.
   * Returns how many were dropped.
   */
  unshiftAll(items: readonly T[]): number {
    const room = this.capacity - this.#length;
    const kept = items.slice(Math.max(0, items.length - room));
    for (let i = kept.length - 1; i >= 0; i--) {
      this.#head = (this.#head - 1 + this.capacity) % this.capacity;
      this.#items[this.#head] = kept[i];
      this.#length++;
    }
    return items.length - kept.length;
  }
}
