/**
 * Options with documented defaults, applied once: an option left out or set to `undefined`
 * takes its default (a plain spread would let `undefined` override it).
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const merged: Record<string, unknown> = Object.fromEntries(Object.entries(defaults));
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  return merged as D & O;
}
