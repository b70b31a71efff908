import { readFileSync } from 'node:fs';
import { isRecord } from '#shared/guards.js';

/** One `$ command` of a `sh readme-test` block, with the output README shows under it. */
export interface ShellExample {
  kind: 'sh';
  command: string;
  shown: string;
}

/** A whole `sql readme-test` block, fed to the sqlite3 shell. */
export interface SqlExample {
  kind: 'sql';
  sql: string;
}

export type ReadmeExample = ShellExample | SqlExample;

/**
 * The fenced blocks of a Markdown file marked ```sh readme-test or ```sql readme-test. In a sh
 * block a line starting with `$ ` begins a command, indented lines continue it, and the other
 * lines up to the next command are its output as shown.
 */
export function readReadmeExamples(path: string): ReadmeExample[] {
  const text = readFileSync(path, 'utf8');
  const examples: ReadmeExample[] = [];
  for (const block of text.matchAll(/^```(sh|sql) readme-test\n([\s\S]*?)^```$/gm)) {
    const body = block[2] ?? '';
    if (block[1] === 'sql') {
      examples.push({ kind: 'sql', sql: body });
      continue;
    }
    let current: { command: string[]; shown: string[] } | undefined;
    const flush = (): void => {
      if (current !== undefined) examples.push({ kind: 'sh', command: current.command.join('\n'), shown: current.shown.join('\n') });
    };
    for (const line of body.split('\n')) {
      if (line.startsWith('$ ')) {
        flush();
        current = { command: [line.slice(2)], shown: [] };
      } else if (current !== undefined && current.shown.length === 0 && /^\s/.test(line)) {
        current.command.push(line);
      } else if (current !== undefined && line !== '') {
        current.shown.push(line);
      } else if (current !== undefined && current.shown.length > 0) {
        current.shown.push(line); // a blank line inside the output (between headers and body)
      }
    }
    flush();
  }
  return examples;
}

const ANY_ARRAY = '\u0000any array';
const MORE_KEYS = '\u0000more keys';

/** JSON as README shows it, where `[...]` stands for any array and `, ...}` for more keys. */
export function parseShownJson(text: string): unknown {
  return JSON.parse(text.replaceAll('[...]', JSON.stringify(ANY_ARRAY)).replace(/,\s*\.\.\.\s*}/g, `,${JSON.stringify(MORE_KEYS)}:true}`));
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Where `actual` differs in shape from `shown`: objects must have the same keys (unless the
 * shown one ends in `...`), arrays' elements the shape of the first shown element (an empty
 * shown array must stay empty), other values the same JSON type. `null` on either side matches
 * any type: a field README shows as unknown may be known in a live run, and the other way round.
 */
export function shapeMismatches(shown: unknown, actual: unknown, path = '$'): string[] {
  if (shown === null || actual === null) return [];
  if (shown === ANY_ARRAY) return Array.isArray(actual) ? [] : [`${path}: expected an array, got ${kind(actual)}`];
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${kind(actual)}`];
    if (shown.length === 0) return actual.length === 0 ? [] : [`${path}: expected an empty array, got ${actual.length} items`];
    return actual.flatMap((item, i) => shapeMismatches(shown[0], item, `${path}[${i}]`));
  }
  if (isRecord(shown)) {
    if (!isRecord(actual)) return [`${path}: expected an object, got ${kind(actual)}`];
    const open = MORE_KEYS in shown;
    const shownKeys = Object.keys(shown).filter((key) => key !== MORE_KEYS);
    const missing = shownKeys.filter((key) => !(key in actual)).map((key) => `${path}.${key}: missing`);
    const extra = open ? [] : Object.keys(actual).filter((key) => !(key in shown)).map((key) => `${path}.${key}: not shown in README`);
    const nested = shownKeys.filter((key) => key in actual).flatMap((key) => shapeMismatches(shown[key], actual[key], `${path}.${key}`));
    return [...missing, ...extra, ...nested];
  }
  return kind(shown) === kind(actual) ? [] : [`${path}: expected ${kind(shown)}, got ${kind(actual)}`];
}
