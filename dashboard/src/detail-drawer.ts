import { getJson, type StoredTrace } from './api.js';
import { el, time } from './format.js';

/**
 * The detail drawer: every field of one record, and the other records with the same request id
 * (retries, reused ids) from `/v1/traces/{id}?all=true`. Escape or the close button hides it and
 * gives focus back to the row that opened it.
 */
export class DetailDrawer {
  readonly #drawer: HTMLElement;
  readonly #fields: HTMLElement;
  readonly #related: HTMLElement;
  readonly #title: HTMLElement;
  #returnFocus: HTMLElement | null = null;

  constructor(drawer: HTMLElement) {
    this.#drawer = drawer;
    this.#fields = drawer.querySelector('dl') ?? document.createElement('dl');
    this.#related = drawer.querySelector('.related') ?? document.createElement('div');
    this.#title = drawer.querySelector('h2') ?? document.createElement('h2');
    drawer.querySelector('button.close')?.addEventListener('click', () => this.close());
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.#drawer.hidden) this.close();
    });
  }

  open(trace: StoredTrace): void {
    this.#returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.#title.textContent = `Record ${trace.request_id}`;
    const items: HTMLElement[] = [];
    for (const [name, value] of Object.entries(trace)) {
      items.push(el('dt', {}, name), el('dd', {}, value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value)));
    }
    this.#fields.replaceChildren(...items);
    this.#related.replaceChildren(el('p', {}, 'Looking for other records with this request id…'));
    this.#drawer.hidden = false;
    this.#drawer.dataset.seq = String(trace.seq);
    this.#drawer.querySelector<HTMLElement>('button.close')?.focus();
    void this.#loadRelated(trace);
  }

  close(): void {
    this.#drawer.hidden = true;
    this.#returnFocus?.focus();
  }

  async #loadRelated(trace: StoredTrace): Promise<void> {
    try {
      const { body } = await getJson<StoredTrace[]>(`/v1/traces/${encodeURIComponent(trace.request_id)}?all=true`);
      if (this.#drawer.dataset.seq !== String(trace.seq)) return;
      const others = body.filter((other) => other.record_id !== trace.record_id);
      if (others.length === 0) {
        this.#related.replaceChildren(el('p', {}, 'No other record has this request id.'));
        return;
      }
      const list = el('ul');
      for (const other of others) {
        const button = el('button', { type: 'button', class: 'link' }, `seq ${other.seq} · ${time(other.timestamp)} · ${other.node_id} · ${other.status}${other.attempts === null ? '' : ` · ${other.attempts} attempt(s)`}`);
        button.addEventListener('click', () => this.open(other));
        const item = el('li');
        item.append(button);
        list.append(item);
      }
      this.#related.replaceChildren(el('p', {}, `${others.length} other record(s) with this request id:`), list);
    } catch (error) {
      this.#related.replaceChildren(el('p', {}, error instanceof Error ? error.message : String(error)));
    }
  }
}
