/** Bucket sizes, seconds: each window is cut into about 60 to 120 buckets per chart. */
const STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];

/** The smallest step giving at most 120 buckets (5 min → 5 s, 1 h → 30 s, 24 h → 900 s). */
export function stepFor(windowSeconds: number): number {
  return STEPS.find((step) => windowSeconds / step <= 120) ?? 86_400;
}
