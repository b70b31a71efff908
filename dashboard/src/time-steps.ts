/**
 * Step sizes, seconds. The collector keeps its rollups in 60 s buckets and answers only steps
 * that are whole multiples of that, so a 5-minute window shows 5 points.
 */
const STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];

/** The smallest step giving at most 120 points (5 min → 60 s, 1 h → 60 s, 24 h → 900 s). */
export function stepFor(windowSeconds: number): number {
  return STEPS.find((step) => windowSeconds / step <= 120) ?? 86_400;
}
