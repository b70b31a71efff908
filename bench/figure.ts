/** One measured figure, with its target when the issue sets one. */
export interface Figure {
  group: string;
  name: string;
  value: number;
  unit: string;
  target?: { op: '<=' | '>='; value: number };
  note?: string;
}

export function meets(figure: Figure): boolean | undefined {
  if (figure.target === undefined) return undefined;
  return figure.target.op === '<=' ? figure.value <= figure.target.value : figure.value >= figure.target.value;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};


export interface BenchContext {
  quick: boolean;
  /** Median of this many rounds. */
  rounds: number;
  wrk: string | undefined;
  nginx: string | undefined;
  workDir: string;
  log: (line: string) => void;
}
