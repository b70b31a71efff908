import { describe, expect, it } from 'vitest';
import { ApproximateTree } from '../../proxy/policies/approximate-tree.js';

const everyone = new Set(['a', 'b']);

describe('cache_aware approximate tree: eviction', () => {
  it('trims a tenant to the maximum, least recently used text first, and keeps the newer prefix', () => {
    const tree = new ApproximateTree();
    tree.insert('old-prompt-xxxxxxxxxx', 'a'); // 21 chars, used first
    tree.insert('new-prompt-yyyyyyyyyy', 'a'); // 21 chars, shares nothing with the first
    expect(tree.size('a')).toBe(42);
    tree.evict(30);
    expect(tree.size('a')).toBe(21);
    expect(tree.match('old-prompt-xxxxxxxxxx', everyone)).toEqual({ matchedChars: 0, tenants: [] });
    expect(tree.match('new-prompt-yyyyyyyyyy', everyone)).toEqual({ matchedChars: 21, tenants: ['a'] });
  });

  it('a use after insertion refreshes recency: the re-sent prompt survives, the other goes', () => {
    const tree = new ApproximateTree();
    tree.insert('first-aaaaaaaa', 'a');
    tree.insert('second-bbbbbbb', 'a');
    tree.insert('first-aaaaaaaa', 'a'); // first is now the most recent
    tree.evict(14);
    expect(tree.match('first-aaaaaaaa', everyone).matchedChars).toBe(14);
    expect(tree.match('second-bbbbbbb', everyone).matchedChars).toBe(0);
  });

  it('evicting one tenant leaves another tenant\'s copy of the same text in place', () => {
    const tree = new ApproximateTree();
    tree.insert('shared system prompt; question one', 'a');
    tree.insert('shared system prompt; question one', 'b');
    tree.insert('something else entirely, much longer than the rest', 'a');
    tree.evict(40);
    expect(tree.size('a')).toBeLessThanOrEqual(40);
    expect(tree.size('b')).toBe(34);
    expect(tree.match('shared system prompt; question one', new Set(['b']))).toEqual({ matchedChars: 34, tenants: ['b'] });
  });

  it('trims shared-prefix branches leaf first: the common stem stays while one branch remains', () => {
    const tree = new ApproximateTree();
    tree.insert('stem/branch-one', 'a');
    tree.insert('stem/branch-two', 'a');
    // stem/branch- (12) + one (3) + two (3) = 18 characters held by 'a'.
    expect(tree.size('a')).toBe(18);
    tree.evict(15);
    expect(tree.size('a')).toBe(15);
    expect(tree.match('stem/branch-one', everyone).matchedChars).toBe(12);
    expect(tree.match('stem/branch-two', everyone).matchedChars).toBe(15);
  });

  it('does nothing to a tenant already within the maximum', () => {
    const tree = new ApproximateTree();
    tree.insert('short', 'a');
    tree.evict(100);
    expect(tree.size('a')).toBe(5);
    expect(tree.match('short', everyone)).toEqual({ matchedChars: 5, tenants: ['a'] });
  });
});
