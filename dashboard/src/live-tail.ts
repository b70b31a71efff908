import { query, type StoredTrace } from './api.js';
import type { Filters } from './url-state.js';

export type TailState = 'off' | 'connecting' | 'open' | 'reconnecting';

/**
 * The table's live tail over `GET /v1/traces/stream`. EventSource reconnects by itself and sends
 * Last-Event-ID, which the collector resumes from: no record is missed across a reconnect.
 */
export class LiveTail {
  readonly #onRecord: (trace: StoredTrace) => void;
  readonly #onState: (state: TailState) => void;
  #source: EventSource | undefined;

  constructor(onRecord: (trace: StoredTrace) => void, onState: (state: TailState) => void) {
    this.#onRecord = onRecord;
    this.#onState = onState;
  }

  /** (Re)starts with these filters; the time range does not apply to what comes next. */
  start(filters: Filters): void {
    this.stop();
    const { node_id, status, routing_policy, decision, request_id } = filters;
    const source = new EventSource(`/v1/traces/stream${query({ node_id, status, routing_policy, decision, request_id })}`);
    this.#source = source;
    this.#onState('connecting');
    source.addEventListener('open', () => this.#onState('open'));
    source.addEventListener('error', () => this.#onState(source.readyState === EventSource.CLOSED ? 'off' : 'reconnecting'));
    source.addEventListener('message', (event: MessageEvent<string>) => {
      try {
        this.#onRecord(JSON.parse(event.data) as StoredTrace);
      } catch {
        // A malformed event is skipped; the next one is independent.
      }
    });
  }

  stop(): void {
    this.#source?.close();
    this.#source = undefined;
    this.#onState('off');
  }
}
