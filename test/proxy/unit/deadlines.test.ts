import { afterEach, describe, expect, it } from 'vitest';
import { DeadlineList, type DeadlineEntry } from '../../../proxy/forward/deadlines.js';

function entry(name: string, fired: string[]): DeadlineEntry {
  return { deadlineAt: 0, deadlinePrev: undefined, deadlineNext: undefined, deadlineArmed: false, onDeadline: () => fired.push(name) };
}

describe('DeadlineList', () => {
  let list: DeadlineList | undefined;
  afterEach(() => list?.close());

  it('fires expired entries in arrival order and leaves the others', () => {
    list = new DeadlineList(1000);
    const fired: string[] = [];
    const [a, b, c] = [entry('a', fired), entry('b', fired), entry('c', fired)];
    list.arm(a, 0);
    list.arm(b, 10);
    list.arm(c, 20);
    list.expire(1009);
    expect(fired).toEqual(['a']);
    list.expire(1020);
    expect(fired).toEqual(['a', 'b', 'c']);
  });

  it('never fires a disarmed entry, wherever it sits in the list', () => {
    list = new DeadlineList(1000);
    const fired: string[] = [];
    const entries = ['a', 'b', 'c', 'd'].map((name) => entry(name, fired));
    entries.forEach((each, i) => list?.arm(each, i));
    list.disarm(entries[1] as DeadlineEntry); // middle
    list.disarm(entries[0] as DeadlineEntry); // head
    list.disarm(entries[3] as DeadlineEntry); // tail
    list.disarm(entries[3] as DeadlineEntry); // twice: no effect
    list.expire(10_000);
    expect(fired).toEqual(['c']);
    expect(entries.every((each) => !each.deadlineArmed)).toBe(true);
  });
});
