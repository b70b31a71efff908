import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  colour: string;
  dash?: number[];
  values: Array<number | null>;
}

export interface ChartSpec {
  /** Y axis label, with its unit. */
  yLabel: string;
  timestamps: number[];
  series: ChartSeries[];
  /** Stack the series (areas on top of each other); legends still show each series' own value. */
  stacked?: boolean;
  /** Fixed y range, e.g. [0, 100] for percentages. */
  yRange?: [number, number];
  format: (value: number | null) => string;
  /** Shown instead of the chart when no series has data. Default: "No records in this window." */
  emptyText?: string;
}

const HEIGHT = 220;

function alpha(hex: string, a: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** Tick labels in 24-hour local time: seconds only when ticks are under a minute apart, the date only past a day. */
function timeTicks(_u: uPlot, splits: number[]): string[] {
  const gap = splits.length > 1 ? (splits[1] ?? 0) - (splits[0] ?? 0) : 60;
  const span = (splits.at(-1) ?? 0) - (splits[0] ?? 0);
  return splits.map((seconds) => {
    const date = new Date(seconds * 1000);
    const clock = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: gap < 60 ? '2-digit' : undefined, hour12: false });
    return span >= 86_400 ? `${date.toLocaleDateString('en-GB', { day: '2-digit', month: 'short' })} ${clock}` : clock;
  });
}

/** Cumulative sums, series by series: what a stacked area draws. */
function stack(series: ChartSeries[]): Array<Array<number | null>> {
  const totals: number[] = [];
  return series.map((s) =>
    s.values.map((value, i) => {
      totals[i] = (totals[i] ?? 0) + (value ?? 0);
      return totals[i] ?? 0;
    }),
  );
}

/**
 * One uPlot chart in a container. A refresh with the same series only swaps the data (uPlot's
 * setData); other changes rebuild it. Empty data shows a sentence instead of blank axes.
 */
export class Chart {
  readonly #container: HTMLElement;
  #plot: uPlot | undefined;
  #key = '';
  readonly #resize: ResizeObserver;

  constructor(container: HTMLElement) {
    this.#container = container;
    this.#resize = new ResizeObserver(() => {
      const width = this.#width();
      if (this.#plot !== undefined && Math.abs(this.#plot.width - width) > 1) this.#plot.setSize({ width, height: HEIGHT });
    });
    this.#resize.observe(container);
  }

  render(spec: ChartSpec): void {
    const points = spec.series.reduce((sum, s) => sum + s.values.filter((v) => v !== null).length, 0);
    this.#container.dataset.series = String(spec.series.length);
    this.#container.dataset.points = String(points);
    if (spec.series.length === 0) {
      this.#destroy();
      this.#container.replaceChildren(Object.assign(document.createElement('p'), { className: 'empty', textContent: spec.emptyText ?? 'No records in this window.' }));
      return;
    }
    const raw = spec.series.map((s) => s.values);
    const drawn = spec.stacked === true ? stack(spec.series) : raw;
    const data: uPlot.AlignedData = [spec.timestamps, ...drawn];
    const key = JSON.stringify([spec.yLabel, spec.stacked, spec.series.map((s) => [s.label, s.colour, s.dash])]);
    if (this.#plot !== undefined && key === this.#key) {
      this.#plot.setData(data);
      return;
    }
    this.#destroy();
    this.#container.replaceChildren();
    this.#key = key;
    const format = (_u: uPlot, value: number | null, seriesIndex: number, index: number | null): string =>
      spec.stacked === true && index !== null ? spec.format(raw[seriesIndex - 1]?.[index] ?? null) : spec.format(value);
    const opts: uPlot.Options = {
      width: this.#width(),
      height: HEIGHT,
      scales: { x: { time: true }, y: spec.yRange === undefined ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } : { range: spec.yRange } },
      axes: [
        { label: 'time (local)', labelSize: 18, space: 45, values: timeTicks, stroke: '#333', grid: { stroke: '#eee' } },
        { label: spec.yLabel, labelSize: 18, size: 66, stroke: '#333', grid: { stroke: '#eee' }, values: (_u, splits) => splits.map((v) => spec.format(v)) },
      ],
      series: [
        { label: 'time' },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.colour,
          width: 2,
          dash: s.dash,
          spanGaps: false,
          fill: spec.stacked === true ? alpha(s.colour, 0.35) : undefined,
          value: format,
          // uPlot's default: a dot per point while points are sparse (a lone bucket, such as a
          // short demo's, is otherwise invisible: a line needs two points), none when dense.
        })),
      ],
      bands: spec.stacked === true ? spec.series.slice(1).map((s, i) => ({ series: [i + 2, i + 1] as [number, number], fill: alpha(s.colour, 0.35) })) : undefined,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
    };
    this.#plot = new uPlot(opts, data, this.#container);
  }

  #width(): number {
    return Math.max(240, Math.floor(this.#container.clientWidth));
  }

  #destroy(): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    this.#key = '';
  }
}
