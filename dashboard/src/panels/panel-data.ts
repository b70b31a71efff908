import type { Stats, Timeseries } from '../api.js';
import { el } from '../format.js';
import { colour, dashFor } from '../palette.js';

/** What every panel draws from: one time-series answer and one stats answer over the same window. */
export interface PanelData {
  series: Timeseries;
  stats: Stats;
  /** Every worker seen, sorted: a worker's index is its colour in every panel. */
  workers: string[];
}

export function workerColour(data: PanelData, node: string): string {
  return colour(data.workers.indexOf(node));
}

export function workerDash(data: PanelData, node: string): number[] | undefined {
  return dashFor(data.workers.indexOf(node));
}

/** Workers with data in this window, in colour order. */
export function nodesInSeries(data: PanelData): string[] {
  return data.workers.filter((node) => data.series.nodes[node] !== undefined);
}

export function sum(values: ReadonlyArray<number | null>): number {
  return values.reduce<number>((total, value) => total + (value ?? 0), 0);
}

/** Fills a <table> with a header row and text cells; a cell may carry a worker swatch. */
export function fillTable(table: HTMLTableElement, headers: string[], rows: Array<Array<string | { text: string; swatch: string }>>): void {
  const head = el('thead');
  const headRow = el('tr');
  for (const header of headers) headRow.append(el('th', { scope: 'col' }, header));
  head.append(headRow);
  const body = el('tbody');
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) {
      const td = el('td');
      if (typeof cell === 'string') td.textContent = cell;
      else td.append(el('span', { class: 'swatch', style: `background:${cell.swatch}`, 'aria-hidden': 'true' }), cell.text);
      tr.append(td);
    }
    body.append(tr);
  }
  table.replaceChildren(head, body);
}
