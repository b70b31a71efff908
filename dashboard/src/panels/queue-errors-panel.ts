import { Chart } from '../chart.js';
import { int } from '../format.js';
import { fillTable, nodesInSeries, sum, workerColour, workerDash, type PanelData } from './panel-data.js';

/** Panel 4: queue size at routing time per worker; errors, timeouts and retries per worker. */
export class QueueErrorsPanel {
  readonly #queue: Chart;
  readonly #errors: Chart;
  readonly #table: HTMLTableElement;

  constructor(section: HTMLElement) {
    const charts = section.querySelectorAll<HTMLElement>('.chart');
    this.#queue = new Chart(charts[0] ?? section);
    this.#errors = new Chart(charts[1] ?? section);
    this.#table = section.querySelector('table') ?? document.createElement('table');
  }

  update(data: PanelData): void {
    const nodes = nodesInSeries(data);
    const of = (node: string) => data.series.nodes[node];
    this.#queue.render({
      yLabel: 'queue (requests)',
      timestamps: data.series.timestamps,
      format: (v) => (v === null ? '–' : v.toFixed(v < 10 ? 1 : 0)),
      series: nodes.map((node) => ({ label: node, colour: workerColour(data, node), dash: workerDash(data, node), values: of(node)?.avg_queue_size ?? [] })),
    });
    this.#errors.render({
      yLabel: `records / ${data.series.step} s`,
      timestamps: data.series.timestamps,
      format: (v) => int(v),
      series: nodes.flatMap((node) => [
        { label: `${node} errors`, colour: workerColour(data, node), values: of(node)?.errors ?? [] },
        { label: `${node} retries`, colour: workerColour(data, node), dash: [2, 3], values: of(node)?.retries ?? [] },
      ]),
    });
    fillTable(
      this.#table,
      ['Worker', 'Failed', 'Timeouts', 'Cancelled', 'Retries'],
      nodes.map((node) => [
        { text: node, swatch: workerColour(data, node) },
        int(sum(of(node)?.failed ?? [])),
        int(sum(of(node)?.timeout ?? [])),
        int(sum(of(node)?.cancelled ?? [])),
        int(sum(of(node)?.retries ?? [])),
      ]),
    );
  }
}
