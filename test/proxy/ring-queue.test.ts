import { describe, expect, it } from 'vitest';
import { RingQueue } from '../../proxy/export/ring-queue.js';

function filled(capacity: number, items: number[]): RingQueue<number> {
  const queue = new RingQueue<number>(capacity);
  for (const item of items) queue.push(item);
  return queue;
}

describe('RingQueue (the exporter\'s bounded FIFO)', () => {
  it('is first in, first out', () => {
    const queue = filled(4, [1, 2, 3]);
    expect([queue.length, queue.shift(), queue.shift(), queue.length]).toEqual([3, 1, 2, 1]);
    expect(queue.take(10)).toEqual([3]);
    expect(queue.shift()).toBeUndefined();
    expect(queue.take(3)).toEqual([]);
  });

  it('when full, push drops the oldest and says so', () => {
    const queue = filled(3, [1, 2, 3]);
    expect(queue.push(4)).toBe(true);
    expect(queue.push(5)).toBe(true);
    expect(queue.take(10)).toEqual([3, 4, 5]);
    expect(new RingQueue<number>(2).push(1)).toBe(false);
  });

  it('keeps order across many wrap-arounds of the buffer', () => {
    const queue = new RingQueue<number>(5);
    const out: number[] = [];
    for (let i = 0; i < 1000; i++) {
      queue.push(i);
      if (i % 3 === 2) out.push(...queue.take(2));
    }
    out.push(...queue.take(10));
    // Nothing lost or reordered except what overflow dropped (the oldest).
    expect(out).toEqual([...out].sort((a, b) => a - b));
    expect(new Set(out).size).toBe(out.length);
    expect(out.at(-1)).toBe(999);
  });

  it('unshiftAll puts a failed batch back in front, in order', () => {
    const queue = filled(6, [1, 2, 3, 4, 5]);
    const batch = queue.take(3);
    queue.push(6);
    expect(queue.unshiftAll(batch)).toBe(0);
    expect(queue.take(10)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('unshiftAll without room keeps the newest of the batch and returns how many it dropped', () => {
    const queue = filled(4, [1, 2, 3, 4]);
    const batch = queue.take(3); // [1, 2, 3]; queue [4]
    queue.push(5);
    queue.push(6); // queue [4, 5, 6]: room for one
    expect(queue.unshiftAll(batch)).toBe(2);
    expect(queue.take(10)).toEqual([3, 4, 5, 6]);
  });

  it('unshiftAll into a wrapped buffer keeps order', () => {
    const queue = new RingQueue<number>(4);
    for (let i = 0; i < 7; i++) queue.push(i); // [3, 4, 5, 6], head moved
    const batch = queue.take(2);
    expect(queue.unshiftAll(batch)).toBe(0);
    expect(queue.take(10)).toEqual([3, 4, 5, 6]);
  });
});
