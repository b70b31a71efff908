import { getJson, query, type StoredTrace } from './api.js';
import { el, ms, percent, time } from './format.js';
import type { Filters } from './url-state.js';

const PAGE_SIZE = 50;
/** Rows kept while the live tail prepends: older ones fall off the bottom. */
const MAX_LIVE_ROWS = 200;

/**
 * Panel 7's table: newest first, one page at a time through the list API's `before=<seq>`
 * cursor; the live tail prepends rows. Rows are focusable; Enter or a click opens the drawer.
 */
export class RequestTable {
  readonly #body: HTMLTableSectionElement;
  readonly #status: HTMLElement;
  readonly #older: HTMLButtonElement;
  readonly #newest: HTMLButtonElement;
  readonly #onOpen: (trace: StoredTrace) => void;
  #filters: Filters = {};
  #nextBefore: number | undefined;
  #onNewestPage = true;

  constructor(section: HTMLElement, onOpen: (trace: StoredTrace) => void) {
    this.#body = section.querySelector('tbody') ?? document.createElement('tbody');
    this.#status = section.querySelector('.table-status') ?? document.createElement('p');
    this.#older = section.querySelector<HTMLButtonElement>('button.older') ?? document.createElement('button');
    this.#newest = section.querySelector<HTMLButtonElement>('button.newest') ?? document.createElement('button');
    this.#onOpen = onOpen;
    this.#older.addEventListener('click', () => void this.#load(this.#nextBefore));
    this.#newest.addEventListener('click', () => void this.#load(undefined));
  }

  get onNewestPage(): boolean {
    return this.#onNewestPage;
  }

  /** New filters: back to the newest page. */
  async show(filters: Filters): Promise<void> {
    this.#filters = filters;
    await this.#load(undefined);
  }

  /** A record from the live tail (the stream applies the same filters server-side). */
  prepend(trace: StoredTrace): void {
    if (!this.#onNewestPage) return;
    this.#body.querySelector('tr.empty-row')?.remove();
    const row = this.#row(trace);
    row.classList.add('new');
    this.#body.prepend(row);
    while (this.#body.rows.length > MAX_LIVE_ROWS) this.#body.lastElementChild?.remove();
  }

  async #load(before: number | undefined): Promise<void> {
    this.#status.textContent = 'Loading…';
    try {
      const { body, headers } = await getJson<StoredTrace[]>(`/v1/traces${query({ ...this.#filters, limit: PAGE_SIZE, before })}`);
      this.#body.replaceChildren(...body.map((trace) => this.#row(trace)));
      if (body.length === 0) {
        const empty = el('tr', { class: 'empty-row' });
        empty.append(el('td', { colspan: '11' }, 'No records match these filters.'));
        this.#body.append(empty);
      }
      // The collector may name the next cursor in X-Next-Before; the last row's seq is the same cursor.
      const header = headers.get('x-next-before');
      const last = body.at(-1)?.seq;
      this.#nextBefore = header !== null && header !== '' ? Number(header) : body.length === PAGE_SIZE ? last : undefined;
      this.#onNewestPage = before === undefined;
      this.#older.disabled = this.#nextBefore === undefined;
      this.#newest.disabled = this.#onNewestPage;
      this.#status.textContent = body.length === 0 ? '' : `${body.length} records, seq ${body[0]?.seq} to ${last}${this.#onNewestPage ? ' (newest)' : ''}`;
    } catch (error) {
      this.#status.textContent = error instanceof Error ? error.message : String(error);
    }
  }

  #row(trace: StoredTrace): HTMLTableRowElement {
    const row = el('tr', { tabindex: '0', 'data-seq': String(trace.seq), 'data-request-id': trace.request_id, 'aria-label': `Record ${trace.request_id}: open details` });
    const cells = [
      time(trace.timestamp),
      trace.request_id,
      trace.node_id,
      trace.status,
      trace.routing_policy,
      trace.decision ?? '–',
      percent(trace.cache_hit_rate),
      trace.queue_size === null ? '–' : String(trace.queue_size),
      ms(trace.duration_ms),
      ms(trace.ttft_ms),
      trace.attempts === null ? '–' : String(trace.attempts),
    ];
    for (const text of cells) row.append(el('td', {}, text));
    row.children[3]?.classList.add(`status-${trace.status}`);
    row.addEventListener('click', () => this.#onOpen(trace));
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        this.#onOpen(trace);
      }
    });
    return row;
  }
}
