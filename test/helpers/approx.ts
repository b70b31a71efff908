/**
 * An asymmetric matcher for a figure read from a histogram: within `relative` of the exact
 * value (the stats' documented percentile bound is 2%).
 */
export function near(exact: number, relative = 0.02): { asymmetricMatch(actual: unknown): boolean; toString(): string; toAsymmetricMatcher(): string } {
  return {
    asymmetricMatch: (actual: unknown) => typeof actual === 'number' && Math.abs(actual - exact) <= relative * Math.abs(exact),
    toString: () => `near(${exact}, ${relative})`,
    toAsymmetricMatcher: () => `near(${exact} ± ${relative * 100}%)`,
  };
}
