import { getJson, query, type Stats, type Timeseries } from './api.js';
import { DetailDrawer } from './detail-drawer.js';
import { el } from './format.js';
import { HeaderPanel } from './header.js';
import { LiveTail, type TailState } from './live-tail.js';
import { CacheHitPanel, DecisionQualityPanel } from './panels/cache-panels.js';
import { DecisionsPanel } from './panels/decisions-panel.js';
import { LatencyPanel } from './panels/latency-panel.js';
import type { PanelData } from './panels/panel-data.js';
import { QueueErrorsPanel } from './panels/queue-errors-panel.js';
import { RequestsPanel } from './panels/requests-panel.js';
import { RequestTable } from './request-table.js';
import { stepFor } from './time-steps.js';
import { FILTER_NAMES, isoToLocalInput, localInputToIso, readState, writeState, type ViewState } from './url-state.js';

/** Panels re-read the time series and stats this often while auto-refresh is on. */
const REFRESH_MS = 5000;
function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`dashboard: #${id} is missing from index.html`);
  return element as T;
}

const state: ViewState = readState(location.search);
const header = new HeaderPanel(byId('header'));
const panels = {
  requests: new RequestsPanel(byId('panel-requests')),
  cacheHit: new CacheHitPanel(byId('panel-cache')),
  quality: new DecisionQualityPanel(byId('panel-quality')),
  queueErrors: new QueueErrorsPanel(byId('panel-queue')),
  latency: new LatencyPanel(byId('panel-latency')),
  decisions: new DecisionsPanel(byId('panel-decisions')),
};
const drawer = new DetailDrawer(byId('drawer'));
const table = new RequestTable(byId('panel-table'), (trace) => drawer.open(trace));
const tailStatus = byId('tail-state');
const tail = new LiveTail(
  (trace) => table.prepend(trace),
  (tailState: TailState) => {
    tailStatus.dataset.state = tailState;
    tailStatus.textContent = tailState === 'off' ? 'off' : tailState;
  },
);

const windowSelect = byId<HTMLSelectElement>('window');
const refreshToggle = byId<HTMLInputElement>('refresh');
const tailToggle = byId<HTMLInputElement>('tail');
const filterForm = byId<HTMLFormElement>('filters');
const latencyMetric = byId<HTMLSelectElement>('latency-metric');
const latencyPercentile = byId<HTMLSelectElement>('latency-percentile');
let lastData: PanelData | undefined;

function saveState(): void {
  history.replaceState(null, '', writeState(state));
}

function input(name: string): HTMLInputElement | HTMLSelectElement | null {
  return filterForm.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
}

/** Keeps a select's choices in step with what the data shows, never dropping the current value. */
function fillChoices(name: string, values: string[], current: string | undefined): void {
  const select = input(name);
  if (!(select instanceof HTMLSelectElement)) return;
  const all = [...new Set([...values, ...(current === undefined ? [] : [current])])].sort();
  select.replaceChildren(el('option', { value: '' }, 'any'), ...all.map((value) => el('option', { value }, value)));
  select.value = current ?? '';
}

async function refreshPanels(): Promise<void> {
  const step = stepFor(state.window);
  let stats: Stats | undefined;
  try {
    const [seriesAnswer, statsAnswer] = await Promise.all([
      getJson<Timeseries>(`/v1/traces/timeseries${query({ window: state.window, step })}`),
      getJson<Stats>(`/v1/traces/stats${query({ window: state.window })}`),
    ]);
    stats = statsAnswer.body;
    const series = seriesAnswer.body;
    const workers = [...new Set([...Object.keys(series.nodes), ...Object.keys(stats.nodes)])].sort();
    const data: PanelData = { series, stats, workers };
    lastData = data;
    panels.requests.update(data);
    panels.cacheHit.update(data);
    panels.quality.update(data);
    panels.queueErrors.update(data);
    panels.latency.update(data, { metric: state.latencyMetric, percentile: state.latencyPercentile });
    panels.decisions.update(data);
    header.showStats(stats);
    header.fillWindows(windowSelect, stats.retention.trace_ttl_seconds, state.window);
    fillChoices('node_id', workers, state.filters.node_id);
    const decisions = Object.values(series.nodes).flatMap((node) => Object.keys(node.decisions));
    const statsDecisions = Object.values(stats.nodes).flatMap((node) => Object.keys(node.decisions ?? {}));
    fillChoices('decision', [...decisions, ...statsDecisions], state.filters.decision);
    byId('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB', { hour12: false })}`;
  } catch (error) {
    header.showStats(undefined, error instanceof Error ? error.message : String(error));
  }
  await header.refreshHealth();
}

let refreshTimer: number | undefined;
async function refreshLoop(): Promise<void> {
  window.clearTimeout(refreshTimer);
  await refreshPanels();
  if (state.refresh) refreshTimer = window.setTimeout(() => void refreshLoop(), REFRESH_MS);
}

function applyFilters(): void {
  for (const name of FILTER_NAMES) {
    const field = input(name);
    const raw = field?.value.trim() ?? '';
    const value = name === 'since' || name === 'until' ? localInputToIso(raw) : raw === '' ? undefined : raw;
    if (value === undefined) delete state.filters[name];
    else state.filters[name] = value;
  }
  saveState();
  void table.show(state.filters);
  if (state.tail) tail.start(state.filters);
}

function initControls(): void {
  for (const name of FILTER_NAMES) {
    const field = input(name);
    if (field === null) continue;
    const value = state.filters[name];
    if (field instanceof HTMLSelectElement && value !== undefined) fillChoices(name, [], value);
    else field.value = name === 'since' || name === 'until' ? isoToLocalInput(value) : (value ?? '');
  }
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    applyFilters();
  });
  filterForm.addEventListener('change', () => applyFilters());
  filterForm.addEventListener('reset', () => {
    // After the browser has cleared the fields.
    setTimeout(() => applyFilters(), 0);
  });
  windowSelect.replaceChildren(el('option', { value: String(state.window) }, `${state.window} s`));
  windowSelect.addEventListener('change', () => {
    state.window = Number(windowSelect.value);
    saveState();
    void refreshLoop();
  });
  refreshToggle.checked = state.refresh;
  refreshToggle.addEventListener('change', () => {
    state.refresh = refreshToggle.checked;
    saveState();
    void refreshLoop();
  });
  tailToggle.checked = state.tail;
  tailToggle.addEventListener('change', () => {
    state.tail = tailToggle.checked;
    saveState();
    if (state.tail) {
      // The tail continues the newest page.
      void table.show(state.filters);
      tail.start(state.filters);
    } else tail.stop();
  });
  latencyMetric.value = state.latencyMetric;
  latencyPercentile.value = state.latencyPercentile;
  const onLatency = (): void => {
    state.latencyMetric = latencyMetric.value === 'ttft' ? 'ttft' : 'duration';
    state.latencyPercentile = latencyPercentile.value === 'p50' ? 'p50' : 'p95';
    saveState();
    if (lastData !== undefined) panels.latency.update(lastData, { metric: state.latencyMetric, percentile: state.latencyPercentile });
  };
  latencyMetric.addEventListener('change', onLatency);
  latencyPercentile.addEventListener('change', onLatency);
}

initControls();
saveState();
await Promise.all([refreshLoop(), table.show(state.filters)]);
// Read by the browser tests and the first-render measurement: milliseconds since navigation start.
document.documentElement.dataset.firstRenderMs = String(Math.round(performance.now()));
document.documentElement.dataset.ready = '1';
if (state.tail) tail.start(state.filters);
