import { Chart } from '../chart.js';
import { int } from '../format.js';
import { colour } from '../palette.js';
import type { PanelData } from './panel-data.js';

/** Panel 6: the routing decisions mix over time (stacked), summed over workers. */
export class DecisionsPanel {
  readonly #chart: Chart;

  constructor(section: HTMLElement) {
    this.#chart = new Chart(section.querySelector<HTMLElement>('.chart') ?? section);
  }

  update(data: PanelData): void {
    const totals = new Map<string, number[]>();
    for (const node of Object.values(data.series.nodes)) {
      for (const [decision, values] of Object.entries(node.decisions)) {
        const total = totals.get(decision) ?? data.series.timestamps.map(() => 0);
        values.forEach((value, i) => (total[i] = (total[i] ?? 0) + value));
        totals.set(decision, total);
      }
    }
    const names = [...totals.keys()].sort();
    this.#chart.render({
      yLabel: `decisions / ${data.series.step} s`,
      timestamps: data.series.timestamps,
      stacked: true,
      format: (v) => int(v),
      emptyText: 'No record in this window carries a decision (routetrace\'s own policies fill it; a router in front does not say why).',
      // Decisions take the palette from its far end, so they do not read as workers.
      series: names.map((name, i) => ({ label: name, colour: colour(5 - (i % 6)), values: totals.get(name) ?? [] })),
    });
  }
}
