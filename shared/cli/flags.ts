import { isHttpUrl, withoutTrailingSlash } from '../url.js';

/**
 * A small declarative flag parser shared by every routetrace command: `--flag value`,
 * `--flag=value`, `--no-flag` for booleans, lists that take several values (`--worker-urls a b c`,
 * like sglang_router) or comma-separated ones, and an environment variable per flag. The command
 * line wins over the environment, the environment over the default.
 */
export type FlagKind = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'url';
export type FlagValue = string | number | boolean | string[];

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  description: string;
  env?: string;
  default?: FlagValue;
  /** Shown in --help after the flag, e.g. `N`, `PATH`. */
  placeholder?: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
}

/** A bad flag or value; the message is the one line a user sees before exit status 2. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export interface ParsedFlags {
  help: boolean;
  version: boolean;
  values: FlagValues;
}

export class FlagValues {
  readonly #values: Map<string, FlagValue>;

  constructor(values: Map<string, FlagValue>) {
    this.#values = values;
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  string(name: string): string | undefined {
    const value = this.#values.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  number(name: string): number | undefined {
    const value = this.#values.get(name);
    return typeof value === 'number' ? value : undefined;
  }

  boolean(name: string): boolean | undefined {
    const value = this.#values.get(name);
    return typeof value === 'boolean' ? value : undefined;
  }

  list(name: string): string[] | undefined {
    const value = this.#values.get(name);
    return Array.isArray(value) ? value : undefined;
  }
}

function describeExpected(spec: FlagSpec): string {
  const range =
    spec.min !== undefined && spec.max !== undefined
      ? ` from ${spec.min} to ${spec.max}`
      : spec.min !== undefined
        ? ` >= ${spec.min}`
        : '';
  switch (spec.kind) {
    case 'integer':
      return `an integer${range}`;
    case 'number':
      return `a number${range}`;
    case 'boolean':
      return 'true or false';
    case 'url':
      return 'an http(s) URL';
    case 'list':
      return 'one or more values';
    case 'string':
      return spec.choices ? `one of ${spec.choices.join(', ')}` : 'a value';
  }
}

function convert(spec: FlagSpec, raw: string, source: string): FlagValue {
  const fail = (): never => {
    throw new FlagError(`${source}: expected ${describeExpected(spec)}, got '${raw}'`);
  };
  switch (spec.kind) {
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) return fail();
      const value = Number(raw);
      if (!Number.isSafeInteger(value)) return fail();
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) return fail();
      return value;
    }
    case 'number': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) return fail();
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) return fail();
      return value;
    }
    case 'boolean': {
      const lowered = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
      if (['false', '0', 'no', 'off'].includes(lowered)) return false;
      return fail();
    }
    case 'url': {
      if (!isHttpUrl(raw)) return fail();
      return withoutTrailingSlash(raw);
    }
    case 'list': {
      const items = raw.split(/[\s,]+/).filter((item) => item.length > 0);
      if (items.length === 0) return fail();
      return items;
    }
    case 'string': {
      if (raw.length === 0) return fail();
      if (spec.choices && !spec.choices.includes(raw)) return fail();
      return raw;
    }
  }
}

export function parseFlags(
  specs: readonly FlagSpec[],
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedFlags {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values = new Map<string, FlagValue>();
  for (const spec of specs) if (spec.default !== undefined) values.set(spec.name, spec.default);
  for (const spec of specs) {
    const raw = spec.env === undefined ? undefined : env[spec.env];
    if (raw !== undefined && raw !== '') values.set(spec.name, convert(spec, raw, `${spec.env} (--${spec.name})`));
  }

  let help = false;
  let version = false;
  const fromCommandLine = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '--version') {
      version = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument '${arg}' (flags start with --; see --help)`);

    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = byName.get(name);
    if (spec === undefined && name.startsWith('no-') && byName.get(name.slice(3))?.kind === 'boolean') {
      if (inline !== undefined) throw new FlagError(`--${name}: takes no value`);
      name = name.slice(3);
      spec = byName.get(name);
      inline = 'false';
    }
    if (spec === undefined) throw new FlagError(`unknown flag --${name} (see --help)`);

    if (spec.kind === 'boolean') {
      values.set(name, inline === undefined ? true : convert(spec, inline, `--${name}`));
      continue;
    }
    if (spec.kind === 'list') {
      // A list flag takes every following word up to the next flag; repeating it appends.
      const words = inline !== undefined ? [inline] : [];
      while (inline === undefined && i + 1 < argv.length && !(argv[i + 1] ?? '').startsWith('--')) {
        words.push(argv[++i] ?? '');
      }
      if (words.length === 0) throw new FlagError(`--${name}: expected ${describeExpected(spec)}`);
      const items = convert(spec, words.join(','), `--${name}`);
      const previous = fromCommandLine.has(name) ? values.get(name) : undefined;
      values.set(name, Array.isArray(previous) && Array.isArray(items) ? [...previous, ...items] : items);
      fromCommandLine.add(name);
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new FlagError(`--${name}: expected ${describeExpected(spec)}`);
      inline = next;
      i++;
    }
    values.set(name, convert(spec, inline, `--${name}`));
    fromCommandLine.add(name);
  }
  return { help, version, values: new FlagValues(values) };
}

function formatDefault(spec: FlagSpec): string {
  if (spec.default === undefined) return '';
  const shown = Array.isArray(spec.default) ? spec.default.join(' ') : String(spec.default);
  return ` (default: ${shown})`;
}

export function formatHelp(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const lines = [`Usage: ${usage}`, '', summary, '', 'Options:'];
  for (const spec of specs) {
    const placeholder = spec.kind === 'boolean' ? '' : ` ${spec.placeholder ?? 'VALUE'}`;
    // A boolean that is on by default is turned off with --no-NAME; say so only then.
    const flag = spec.kind === 'boolean' && spec.default === true ? `--[no-]${spec.name}` : `--${spec.name}${placeholder}`;
    lines.push(`  ${flag}`);
    lines.push(`      ${spec.description}${formatDefault(spec)}`);
    if (spec.env !== undefined) lines.push(`      env: ${spec.env}`);
  }
  lines.push('  -h, --help', '      Show this help and exit.', '  --version', '      Print the version and exit.');
  return lines.join('\n');
}
