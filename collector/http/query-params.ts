import { RoutetraceError } from '#shared/errors.js';
import { parseTimeParameter } from '#shared/time.js';

/**
 * Query parameters as a map of single strings. Unknown names and repeated names are 400s:
 * a typo like `?node=worker-0` must not silently return unfiltered results.
 */
export function readQuery(query: unknown, known: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  if (typeof query !== 'object' || query === null) return params;
  for (const [name, value] of Object.entries(query)) {
    if (!known.includes(name)) {
      throw new RoutetraceError('invalid_parameter', `unknown query parameter '${name}'; known: ${known.join(', ')}`);
    }
    if (typeof value !== 'string') throw new RoutetraceError('invalid_parameter', `${name}: give it once, as a single value`);
    params.set(name, value);
  }
  return params;
}

export function integerParam(params: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RoutetraceError('invalid_parameter', `${name}: expected an integer from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

export function timeParam(params: Map<string, string>, name: string): number | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  const ms = parseTimeParameter(text);
  if (ms === undefined) {
    throw new RoutetraceError('invalid_parameter', `${name}: expected ISO 8601 with an offset (2026-01-31T12:00:00Z) or epoch milliseconds, got '${text}'`);
  }
  return ms;
}

export function choiceParam<T extends string>(params: Map<string, string>, name: string, choices: readonly T[]): T | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  const match = choices.find((choice) => choice === text);
  if (match === undefined) throw new RoutetraceError('invalid_parameter', `${name}: expected one of ${choices.join(', ')}, got '${text}'`);
  return match;
}

export function stringParam(params: Map<string, string>, name: string): string | undefined {
  const text = params.get(name);
  if (text === '') throw new RoutetraceError('invalid_parameter', `${name}: must not be empty`);
  return text;
}
