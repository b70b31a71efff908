/** The table's filters, named as the list API's query parameters. */
export const FILTER_NAMES = ['node_id', 'status', 'routing_policy', 'decision', 'request_id', 'since', 'until'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type Filters = Partial<Record<FilterName, string>>;

export interface ViewState {
  /** Seconds of history the panels show. */
  window: number;
  filters: Filters;
  /** Live tail of the request table. */
  tail: boolean;
  /** Panels refreshed on a timer. */
  refresh: boolean;
  latencyMetric: 'duration' | 'ttft';
  latencyPercentile: 'p50' | 'p95';
}

export const DEFAULT_WINDOW_SECONDS = 900;

/** Everything a shared link needs lives in the page's query string. */
export function readState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name);
    if (value !== null && value !== '') filters[name] = value;
  }
  const window = Number(params.get('window'));
  return {
    window: Number.isInteger(window) && window > 0 ? window : DEFAULT_WINDOW_SECONDS,
    filters,
    tail: params.get('tail') === '1',
    refresh: params.get('refresh') !== '0',
    latencyMetric: params.get('latency') === 'ttft' ? 'ttft' : 'duration',
    latencyPercentile: params.get('pct') === 'p50' ? 'p50' : 'p95',
  };
}

export function writeState(state: ViewState): string {
  const params = new URLSearchParams();
  params.set('window', String(state.window));
  for (const name of FILTER_NAMES) {
    const value = state.filters[name];
    if (value !== undefined && value !== '') params.set(name, value);
  }
  if (state.tail) params.set('tail', '1');
  if (!state.refresh) params.set('refresh', '0');
  if (state.latencyMetric !== 'duration') params.set('latency', state.latencyMetric);
  if (state.latencyPercentile !== 'p95') params.set('pct', state.latencyPercentile);
  return `?${params.toString()}`;
}

/** datetime-local inputs speak local time without an offset; the API wants an instant. */
export function localInputToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function isoToLocalInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
