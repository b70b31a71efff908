import type { TimeseriesNode } from '#shared/api-types.js';
import { SummedHistogram } from '../rollups/histogram.js';
import { MAX_MERGED_WALK, pairsQuantiles, readPairs, type StoredPairs } from '../rollups/stored-quantiles.js';
import { MATCH_SCALE, type RollupKey, type RollupSums } from '../rollups/rollup-delta.js';
import { ratio } from './rollup-rows.js';

/** One time-series point being summed from rollup rows, and how it becomes chart columns. */
export type SeriesRow = Pick<RollupKey, 'bucket_ms' | 'node_id' | 'decision' | 'cache_hit'> &
  Omit<RollupSums, 'match_cached_sum' | 'match_prompt_sum'> & {
    duration_hist: Uint8Array;
    ttft_hist: Uint8Array;
  };

/** The rollup columns a SeriesRow holds, as a select list. */
export const SERIES_COLUMNS = `bucket_ms, node_id, decision, cache_hit, requests, completed, failed, cancelled, timeout, retries, cached_sum, prompt_sum,
  queue_sum, queue_count, match_count, match_sum, duration_hist, ttft_hist`;

/** Per point: the sums and the stored histograms of its rows, split by cache hit (the "all" ones are every row's). */
export interface Point {
  requests: number; completed: number; failed: number; cancelled: number; timeout: number; retries: number;
  cached: number; prompt: number; queueSum: number; queueCount: number; matchCount: number; matchSum: number;
  /** The rows' stored histograms (read once per row) while the point is summed; dropped once it is complete. */
  hists: Record<HistName, StoredPairs[]> | undefined;
  /** [p50, p95] of each histogram, once the point is complete. */
  quantiles: Partial<Record<HistName, Array<number | null>>>;
  decisions: Map<string, number>;
}

type HistName = 'duration' | 'durationHit' | 'durationMiss' | 'ttft' | 'ttftHit' | 'ttftMiss';

const noHists = (): Record<HistName, StoredPairs[]> => ({ duration: [], durationHit: [], durationMiss: [], ttft: [], ttftHit: [], ttftMiss: [] });

export const newPoint = (): Point => ({
  requests: 0, completed: 0, failed: 0, cancelled: 0, timeout: 0, retries: 0, cached: 0, prompt: 0, queueSum: 0, queueCount: 0, matchCount: 0, matchSum: 0,
  hists: noHists(), quantiles: {}, decisions: new Map(),
});

const HIST_NAMES = ['duration', 'durationHit', 'durationMiss', 'ttft', 'ttftHit', 'ttftMiss'] as const;
const QUANTILES = [0.5, 0.95] as const;

/**
 * Turns a complete point's histograms into percentiles. A point of a 60 s step holds one to
 * four rollup rows: their stored histograms are merged as sorted lists (pairsQuantiles).
 * Wider steps hold more: those are summed densely, into one 520-bin array reused across points
 * (allocating one per point made ~12 MB of garbage per call at 16 nodes).
 */
export class HistogramPool {
  readonly #free: SummedHistogram[] = [];

  complete(point: Point): void {
    const hists = point.hists;
    if (hists === undefined) return;
    for (const name of HIST_NAMES) {
      const lists = hists[name];
      if (lists.length === 0) continue;
      point.quantiles[name] = lists.length <= MAX_MERGED_WALK ? pairsQuantiles(lists, QUANTILES) : this.#summed(lists);
    }
    point.hists = undefined;
  }

  #summed(lists: readonly StoredPairs[]): Array<number | null> {
    const hist = this.#free.pop() ?? new SummedHistogram();
    for (const list of lists) hist.addPairs(list);
    const quantiles = hist.percentiles(QUANTILES);
    this.#free.push(hist.reset());
    return quantiles;
  }
}

const keep = (lists: StoredPairs[], list: StoredPairs | undefined): void => {
  if (list !== undefined) lists.push(list);
};

export function addRow(point: Point, row: SeriesRow): void {
  point.requests += row.requests;
  point.completed += row.completed;
  point.failed += row.failed;
  point.cancelled += row.cancelled;
  point.timeout += row.timeout;
  point.retries += row.retries;
  point.cached += row.cached_sum;
  point.prompt += row.prompt_sum;
  point.queueSum += row.queue_sum;
  point.queueCount += row.queue_count;
  point.matchCount += row.match_count;
  point.matchSum += row.match_sum;
  const hists = (point.hists ??= noHists());
  const duration = readPairs(row.duration_hist);
  const ttft = readPairs(row.ttft_hist);
  keep(hists.duration, duration);
  keep(hists.ttft, ttft);
  if (row.cache_hit === 1) {
    keep(hists.durationHit, duration);
    keep(hists.ttftHit, ttft);
  } else if (row.cache_hit === 0) {
    keep(hists.durationMiss, duration);
    keep(hists.ttftMiss, ttft);
  }
  if (row.decision !== '') point.decisions.set(row.decision, (point.decisions.get(row.decision) ?? 0) + row.requests);
}

export function toColumns(slots: Array<Point | undefined>): TimeseriesNode {
  const count = (pick: (p: Point) => number): number[] => Array.from(slots, (p) => (p === undefined ? 0 : pick(p)));
  const maybe = (pick: (p: Point) => number | null): Array<number | null> => Array.from(slots, (p) => (p === undefined ? null : pick(p)));
  const names = new Set<string>();
  for (const point of slots) for (const name of point?.decisions.keys() ?? []) names.add(name);
  const q = (name: HistName, which: 0 | 1): Array<number | null> => Array.from(slots, (p) => p?.quantiles[name]?.[which] ?? null);
  return {
    requests: count((p) => p.requests),
    completed: count((p) => p.completed),
    failed: count((p) => p.failed),
    cancelled: count((p) => p.cancelled),
    timeout: count((p) => p.timeout),
    errors: count((p) => p.failed + p.timeout),
    retries: count((p) => p.retries),
    cache_hit_rate: maybe((p) => ratio(p.cached, p.prompt)),
    prefix_match_rate: maybe((p) => ratio(p.matchSum / MATCH_SCALE, p.matchCount)),
    avg_queue_size: maybe((p) => ratio(p.queueSum, p.queueCount)),
    p50_duration_ms: q('duration', 0),
    p95_duration_ms: q('duration', 1),
    p50_ttft_ms: q('ttft', 0),
    p95_ttft_ms: q('ttft', 1),
    p50_duration_ms_hit: q('durationHit', 0),
    p50_duration_ms_miss: q('durationMiss', 0),
    p95_duration_ms_hit: q('durationHit', 1),
    p95_duration_ms_miss: q('durationMiss', 1),
    p50_ttft_ms_hit: q('ttftHit', 0),
    p50_ttft_ms_miss: q('ttftMiss', 0),
    p95_ttft_ms_hit: q('ttftHit', 1),
    p95_ttft_ms_miss: q('ttftMiss', 1),
    decisions: Object.fromEntries([...names].sort().map((name) => [name, count((p) => p.decisions.get(name) ?? 0)])),
  };
}
