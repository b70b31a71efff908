import { SUM_COLUMNS, type RollupSums } from '../rollups/rollup-delta.js';

/** Rollup sums grouped by node, as SQL returns them (integers; sums of no rows are 0). */
export type NodeSums = { node_id: string } & RollupSums;

/** Every rollup sum, summed per node: the select list follows SUM_COLUMNS, the one list of them. */
export const NODE_SUMS_SELECT = ['node_id', ...SUM_COLUMNS.map((column) => `sum(${column}) AS ${column}`)].join(', ');

export const ratio = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);
