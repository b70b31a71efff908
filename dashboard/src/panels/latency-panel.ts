import { Chart } from '../chart.js';
import { ms } from '../format.js';
import { nodesInSeries, workerColour, type PanelData } from './panel-data.js';

export interface LatencyChoice {
  metric: 'duration' | 'ttft';
  percentile: 'p50' | 'p95';
}

/** Panel 5: duration or TTFT, p50 or p95, per worker, cache hit (solid) against miss (dashed). */
export class LatencyPanel {
  readonly #chart: Chart;

  constructor(section: HTMLElement) {
    this.#chart = new Chart(section.querySelector<HTMLElement>('.chart') ?? section);
  }

  update(data: PanelData, choice: LatencyChoice): void {
    const base = `${choice.percentile}_${choice.metric}_ms` as const;
    this.#chart.render({
      yLabel: `${choice.percentile} ${choice.metric === 'ttft' ? 'TTFT' : 'duration'} (ms)`,
      timestamps: data.series.timestamps,
      format: (v) => ms(v),
      series: nodesInSeries(data).flatMap((node) => {
        const series = data.series.nodes[node];
        return [
          { label: `${node} hit`, colour: workerColour(data, node), values: series?.[`${base}_hit`] ?? [] },
          { label: `${node} miss`, colour: workerColour(data, node), dash: [6, 4], values: series?.[`${base}_miss`] ?? [] },
        ];
      }),
    });
  }
}
