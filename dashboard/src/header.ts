import { getJson, type Health, type Stats, type StoredTrace } from './api.js';
import { duration, el, int, percent, time } from './format.js';

function setText(root: HTMLElement, name: string, text: string, state?: 'ok' | 'bad' | 'unknown'): void {
  const target = root.querySelector<HTMLElement>(`[data-field="${name}"]`);
  if (target === null) return;
  target.textContent = text;
  if (state !== undefined) target.dataset.state = state;
}

/**
 * Panel 8, the header: retention (cap, TTL, fill level), total / active / dropped records, and
 * health. The page's own origin answers /health: the collector's, or the proxy's when the page
 * came through a proxy (whose /v1/traces… then reaches the collector).
 */
export class HeaderPanel {
  readonly #root: HTMLElement;

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  showStats(stats: Stats | undefined, error?: string): void {
    const root = this.#root;
    if (stats === undefined) {
      setText(root, 'collector', `collector: unreachable (${error ?? 'no answer'})`, 'bad');
      return;
    }
    setText(root, 'collector', 'collector: ok', 'ok');
    const { max_trace_entries: cap, trace_ttl_seconds: ttl } = stats.retention;
    setText(root, 'retention', `cap ${int(cap)} records · TTL ${duration(ttl)}`);
    const fill = cap > 0 ? stats.active_traces / cap : 0;
    setText(root, 'fill', `${percent(fill, 1)} full`);
    const meter = root.querySelector<HTMLMeterElement>('meter');
    if (meter !== null) meter.value = Math.min(1, fill);
    setText(root, 'counts', `total ${int(stats.total_requests)} · active ${int(stats.active_traces)} · dropped ${int(stats.dropped_records)}`);
  }

  async refreshHealth(): Promise<void> {
    const root = this.#root;
    try {
      const { body } = await getJson<Health>('/health');
      if (body.mode !== undefined) {
        const healthy = body.healthy_workers ?? 0;
        setText(root, 'proxy', `proxy: ${body.status} (${body.mode}, ${healthy}/${body.workers ?? 0} workers healthy)`, body.status === 'ok' && healthy > 0 ? 'ok' : 'bad');
        return;
      }
      // Served by the collector: no proxy to ask, so say what its records show.
      const { body: latest } = await getJson<StoredTrace[]>('/v1/traces?limit=1');
      const last = latest[0];
      setText(root, 'proxy', last === undefined ? 'proxy: no record yet' : `proxy ${last.proxy_id ?? '(unnamed)'}: last record stored ${time(last.received_at)}`, last === undefined ? 'unknown' : 'ok');
    } catch (error) {
      setText(root, 'proxy', `health: ${error instanceof Error ? error.message : String(error)}`, 'bad');
    }
  }

  /** Window choices from 5 min up to the TTL (the TTL itself is always offered). */
  fillWindows(select: HTMLSelectElement, ttlSeconds: number, current: number): void {
    const choices = [300, 900, 3600, 6 * 3600, 24 * 3600, 7 * 86_400].filter((seconds) => seconds < ttlSeconds);
    choices.push(ttlSeconds);
    if (!choices.includes(current)) choices.push(current);
    choices.sort((a, b) => a - b);
    select.replaceChildren(...choices.map((seconds) => el('option', { value: String(seconds) }, seconds === ttlSeconds ? `${duration(seconds)} (TTL)` : duration(seconds))));
    select.value = String(current);
  }
}
