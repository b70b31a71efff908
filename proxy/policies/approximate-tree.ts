/**
 * SGLang router's "approximate radix tree": one radix tree of request text (characters, not
 * tokens) shared by all workers, each node marked with the tenants (worker URLs) whose
 * requests passed through it and when. It predicts which worker holds a prompt's prefix in its
 * KV cache without asking the workers. Sizes count characters per tenant; `evict` trims each
 * tenant back to a maximum, least recently used leaves first.
 */
interface TreeNode {
  /** Edge label from the parent. */
  text: string;
  parent: TreeNode | undefined;
  /** Keyed by the first character of the child's label. */
  children: Map<string, TreeNode>;
  /** Tenant → last access (a logical clock). */
  tenants: Map<string, number>;
}

function commonPrefixLength(a: string, b: string, bOffset: number): number {
  const max = Math.min(a.length, b.length - bOffset);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(bOffset + i)) i++;
  return i;
}

export interface PrefixMatch {
  /** Characters of the text matched by the deepest node that has an eligible tenant. */
  matchedChars: number;
  /** The eligible tenants present at that depth. */
  tenants: string[];
}

export class ApproximateTree {
  #root: TreeNode = { text: '', parent: undefined, children: new Map(), tenants: new Map() };
  #clock = 0;
  readonly #sizes = new Map<string, number>();

  /** Characters held for a tenant. */
  size(tenant: string): number {
    return this.#sizes.get(tenant) ?? 0;
  }

  /** Longest prefix of `text` that some tenant in `eligible` has sent. */
  match(text: string, eligible: ReadonlySet<string>): PrefixMatch {
    let node = this.#root;
    let offset = 0;
    let best: PrefixMatch = { matchedChars: 0, tenants: [] };
    while (offset < text.length) {
      const child = node.children.get(text.charAt(offset));
      if (child === undefined) break;
      const shared = commonPrefixLength(child.text, text, offset);
      const present = [...child.tenants.keys()].filter((tenant) => eligible.has(tenant));
      if (present.length === 0) break;
      best = { matchedChars: offset + shared, tenants: present };
      if (shared < child.text.length) break;
      offset += shared;
      node = child;
    }
    return best;
  }

  /** Records that `tenant` was sent `text`. */
  insert(text: string, tenant: string): void {
    const now = ++this.#clock;
    let node = this.#root;
    let offset = 0;
    while (offset < text.length) {
      const key = text.charAt(offset);
      let child = node.children.get(key);
      if (child === undefined) {
        child = { text: text.slice(offset), parent: node, children: new Map(), tenants: new Map() };
        node.children.set(key, child);
      } else {
        const shared = commonPrefixLength(child.text, text, offset);
        if (shared < child.text.length) child = this.#split(child, shared);
      }
      if (!child.tenants.has(tenant)) this.#sizes.set(tenant, this.size(tenant) + child.text.length);
      child.tenants.set(tenant, now);
      offset += child.text.length;
      node = child;
    }
  }

  /** Trims every tenant to at most `maxChars`, least recently used leaves first. */
  evict(maxChars: number): void {
    for (const [tenant, size] of this.#sizes) {
      if (size > maxChars) this.#evictTenant(tenant, maxChars);
    }
  }

  /** Splits `node`'s edge after `at` characters; returns the new upper node. */
  #split(node: TreeNode, at: number): TreeNode {
    const parent = node.parent;
    if (parent === undefined) throw new Error('cannot split the root');
    const upper: TreeNode = { text: node.text.slice(0, at), parent, children: new Map(), tenants: new Map(node.tenants) };
    node.text = node.text.slice(at);
    node.parent = upper;
    upper.children.set(node.text.charAt(0), node);
    parent.children.set(upper.text.charAt(0), upper);
    // Every tenant of `node` now also holds `upper`: its size is unchanged (the characters moved).
    return upper;
  }

  #evictTenant(tenant: string, maxChars: number): void {
    const leaves: Array<{ node: TreeNode; used: number }> = [];
    const visit = (node: TreeNode): void => {
      let hasTenantChild = false;
      for (const child of node.children.values()) {
        if (child.tenants.has(tenant)) {
          hasTenantChild = true;
          visit(child);
        }
      }
      const used = node.tenants.get(tenant);
      if (!hasTenantChild && used !== undefined) leaves.push({ node, used });
    };
    visit(this.#root);
    leaves.sort((a, b) => a.used - b.used);
    let size = this.size(tenant);
    for (let i = 0; size > maxChars && i < leaves.length; i++) {
      const entry = leaves[i];
      if (entry === undefined) continue;
      const { node } = entry;
      node.tenants.delete(tenant);
      size -= node.text.length;
      const parent = node.parent;
      if (node.tenants.size === 0 && parent !== undefined) parent.children.delete(node.text.charAt(0));
      // The parent may now be this tenant's leaf: queue it in LRU order.
      if (parent !== undefined && parent !== this.#root) {
        const parentUsed = parent.tenants.get(tenant);
        const stillHasChild = [...parent.children.values()].some((child) => child.tenants.has(tenant));
        if (parentUsed !== undefined && !stillHasChild) {
          let at = i + 1;
          while (at < leaves.length && (leaves[at]?.used ?? 0) <= parentUsed) at++;
          leaves.splice(at, 0, { node: parent, used: parentUsed });
        }
      }
    }
    this.#sizes.set(tenant, size);
  }
}
