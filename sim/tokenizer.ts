/**
 * The simulator's tokenizer: deterministic and prefix-stable, so prompt_tokens is the same on
 * every run and a shared text prefix becomes a shared token prefix (what makes prefix caching
 * observable). A token is a run of letters/digits/underscore or one other non-space character,
 * each with the whitespace before it: "Hello, world" → ["Hello", ",", " world"]. Its id is the
 * 32-bit FNV-1a hash of the token's text modulo VOCAB_SIZE.
 */
const VOCAB_SIZE = 32_000;

const TOKEN = /\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+$/gu;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function tokenize(text: string): number[] {
  return (text.match(TOKEN) ?? []).map((token) => fnv1a(token) % VOCAB_SIZE);
}

const WORDS = ['the', 'model', 'routes', 'each', 'request', 'to', 'a', 'worker', 'with', 'cached', 'prefix', 'tokens', 'and', 'streams', 'output', 'back'];

/** The i-th generated word for a prompt: deterministic, so responses repeat exactly. */
export function outputWord(seed: number, index: number): string {
  const word = WORDS[(seed + index * 7) % WORDS.length] ?? 'token';
  return index === 0 ? word : ` ${word}`;
}

export function seedOf(tokens: readonly number[]): number {
  let seed = tokens.length;
  for (const token of tokens) seed = (seed * 31 + token) >>> 0;
  return seed;
}
