import { Chart } from '../chart.js';
import { int, percent } from '../format.js';
import { fillTable, nodesInSeries, workerColour, type PanelData } from './panel-data.js';

const toPercent = (values: ReadonlyArray<number | null>): Array<number | null> => values.map((v) => (v === null ? null : v * 100));
const percentLabel = (v: number | null): string => (v === null ? '–' : `${Math.round(v)} %`);

/** Panel 2: real cache-hit rate per worker (cached / prompt tokens) over time. */
export class CacheHitPanel {
  readonly #chart: Chart;

  constructor(section: HTMLElement) {
    this.#chart = new Chart(section.querySelector<HTMLElement>('.chart') ?? section);
  }

  update(data: PanelData): void {
    this.#chart.render({
      yLabel: 'cache hit (%)',
      timestamps: data.series.timestamps,
      yRange: [0, 100],
      format: percentLabel,
      series: nodesInSeries(data).map((node) => ({ label: node, colour: workerColour(data, node), values: toPercent(data.series.nodes[node]?.cache_hit_rate ?? []) })),
    });
  }
}

/**
 * Panel 3: decision quality. The router's predicted prefix match (dashed) against the cache hit
 * the worker really reported (solid), per worker; plus the stats endpoint's decision_quality
 * summary when the collector reports it.
 */
export class DecisionQualityPanel {
  readonly #chart: Chart;
  readonly #table: HTMLTableElement;
  readonly #note: HTMLElement;

  constructor(section: HTMLElement) {
    this.#chart = new Chart(section.querySelector<HTMLElement>('.chart') ?? section);
    this.#table = section.querySelector('table') ?? document.createElement('table');
    this.#note = section.querySelector('.note') ?? document.createElement('p');
  }

  update(data: PanelData): void {
    const nodes = nodesInSeries(data);
    this.#chart.render({
      yLabel: 'match / hit (%)',
      timestamps: data.series.timestamps,
      yRange: [0, 100],
      format: percentLabel,
      series: nodes.flatMap((node) => [
        { label: `${node} predicted`, colour: workerColour(data, node), dash: [5, 4], values: toPercent(data.series.nodes[node]?.prefix_match_rate ?? []) },
        { label: `${node} real`, colour: workerColour(data, node), values: toPercent(data.series.nodes[node]?.cache_hit_rate ?? []) },
      ]),
    });
    const rows = nodes.flatMap((node) => {
      const quality = data.stats.nodes[node]?.decision_quality;
      if (quality === undefined) return [];
      const gap = quality.predicted_prefix_match_rate === null || quality.cache_hit_rate === null ? null : quality.cache_hit_rate - quality.predicted_prefix_match_rate;
      return [[{ text: node, swatch: workerColour(data, node) }, int(quality.records), percent(quality.predicted_prefix_match_rate), percent(quality.cache_hit_rate), gap === null ? '–' : `${gap >= 0 ? '+' : ''}${(gap * 100).toFixed(0)} pts`]];
    });
    this.#table.hidden = rows.length === 0;
    this.#note.textContent = rows.length === 0 ? 'This collector does not report decision_quality in /v1/traces/stats; the chart above is computed from the time series.' : '';
    fillTable(this.#table, ['Worker', 'Records', 'Predicted', 'Real', 'Real − predicted'], rows);
  }
}
