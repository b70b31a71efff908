import { Chart } from '../chart.js';
import { int, percent } from '../format.js';
import { fillTable, nodesInSeries, sum, workerColour, workerDash, type PanelData } from './panel-data.js';

/** Panel 1: requests per worker over time (stacked) and each worker's share of the window. */
export class RequestsPanel {
  readonly #chart: Chart;
  readonly #table: HTMLTableElement;

  constructor(section: HTMLElement) {
    this.#chart = new Chart(section.querySelector<HTMLElement>('.chart') ?? section);
    this.#table = section.querySelector('table') ?? document.createElement('table');
  }

  update(data: PanelData): void {
    const nodes = nodesInSeries(data);
    this.#chart.render({
      yLabel: `requests / ${data.series.step} s`,
      timestamps: data.series.timestamps,
      stacked: true,
      format: (v) => int(v),
      series: nodes.map((node) => ({ label: node, colour: workerColour(data, node), dash: workerDash(data, node), values: data.series.nodes[node]?.requests ?? [] })),
    });
    const totals = nodes.map((node) => sum(data.series.nodes[node]?.requests ?? []));
    const all = sum(totals);
    fillTable(
      this.#table,
      ['Worker', 'Requests', 'Share', 'Attribution'],
      nodes.map((node, i) => {
        const attribution = data.stats.nodes[node]?.attribution;
        return [
          { text: node, swatch: workerColour(data, node) },
          int(totals[i]),
          all > 0 ? percent((totals[i] ?? 0) / all, 1) : '–',
          attribution === undefined ? '–' : Object.entries(attribution).map(([how, n]) => `${how} ${n}`).join(', '),
        ];
      }),
    );
  }
}
