/**
 * A bounded prefix cache of token sequences, like SGLang's radix cache: a trie of token ids
 * where each node is one cached token. `match` returns the longest cached prefix of a prompt;
 * `insert` caches a sequence; when the trie holds more than `capacityTokens` nodes, the least
 * recently used leaves are evicted (down to 90% of capacity, to amortise the work). Every
 * lookup touches its whole path, so a node is never older than its descendants.
 */
interface TrieNode {
  children: Map<number, TrieNode>;
  parent: TrieNode | undefined;
  token: number;
  lastUsed: number;
}

export class RadixCache {
  readonly capacityTokens: number;
  #root: TrieNode = RadixCache.#newNode(undefined, -1);
  #size = 0;
  #clock = 0;

  constructor(capacityTokens: number) {
    this.capacityTokens = capacityTokens;
  }

  static #newNode(parent: TrieNode | undefined, token: number): TrieNode {
    return { children: new Map(), parent, token, lastUsed: 0 };
  }

  get size(): number {
    return this.#size;
  }

  /** Length of the longest cached prefix of `tokens`; touches the matched path. */
  match(tokens: readonly number[]): number {
    const now = ++this.#clock;
    let node = this.#root;
    let length = 0;
    for (const token of tokens) {
      const child = node.children.get(token);
      if (child === undefined) break;
      child.lastUsed = now;
      node = child;
      length++;
    }
    return length;
  }

  insert(tokens: readonly number[]): void {
    const now = ++this.#clock;
    let node = this.#root;
    for (const token of tokens) {
      let child = node.children.get(token);
      if (child === undefined) {
        child = RadixCache.#newNode(node, token);
        node.children.set(token, child);
        this.#size++;
      }
      child.lastUsed = now;
      node = child;
    }
    if (this.#size > this.capacityTokens) this.#evict(Math.floor(this.capacityTokens * 0.9));
  }

  clear(): void {
    this.#root = RadixCache.#newNode(undefined, -1);
    this.#size = 0;
  }

  #evict(target: number): void {
    const leaves: TrieNode[] = [];
    const collect = (node: TrieNode): void => {
      if (node.children.size === 0 && node !== this.#root) leaves.push(node);
      for (const child of node.children.values()) collect(child);
    };
    collect(this.#root);
    leaves.sort((a, b) => a.lastUsed - b.lastUsed);
    for (let i = 0; this.#size > target && i < leaves.length; i++) {
      const leaf = leaves[i];
      const parent = leaf?.parent;
      if (leaf === undefined || parent === undefined) continue;
      parent.children.delete(leaf.token);
      this.#size--;
      // A parent that just became a leaf joins the queue in LRU order (its lastUsed is at least
      // its child's, so it goes somewhere after position i).
      if (parent.children.size === 0 && parent !== this.#root) {
        let at = i + 1;
        while (at < leaves.length && (leaves[at]?.lastUsed ?? 0) <= parent.lastUsed) at++;
        leaves.splice(at, 0, parent);
      }
    }
  }
}
