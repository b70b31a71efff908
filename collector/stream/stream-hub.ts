import type { ServerResponse } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StoredTrace } from '#shared/api-types.js';
import { RoutetraceError } from '#shared/errors.js';
import type { TraceStore } from '../store/trace-store.js';
import { StreamClient, toStreamEvent } from './stream-client.js';
import type { StreamFilter } from './stream-filter.js';

export interface StreamHubOptions {
  /** Concurrent live-tail streams; one more is refused with `too_many_streams`. Default: 64. */
  maxStreams: number;
  /** Milliseconds between heartbeat comments on an idle stream. Default: 15000. */
  heartbeatMs: number;
  /** Bytes a client may leave unread before it is disconnected. Default: 1 MiB. */
  maxBufferedBytes: number;
  /** Records per replay query when resuming. Default: 500. */
  replayPageSize: number;
}

export const STREAM_DEFAULTS: StreamHubOptions = {
  maxStreams: 64,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  replayPageSize: 500,
};

/**
 * Every live-tail connection of one collector. It listens to the store only while a client is
 * connected (the store's read-back of each batch then costs nothing when nobody tails), and
 * serialises each record once for all clients.
 */
export class StreamHub {
  readonly #store: TraceStore;
  readonly #options: StreamHubOptions;
  readonly #clients = new Set<StreamClient>();
  readonly #open: Gauge;
  readonly #disconnects: Counter<'reason'>;
  #unsubscribe: (() => void) | undefined;

  constructor(store: TraceStore, options: StreamHubOptions, registry: Registry) {
    this.#store = store;
    this.#options = { ...options };
    this.#open = new Gauge({ name: 'routetrace_collector_streams_open', help: 'Live-tail (SSE) streams open.', registers: [registry] });
    this.#disconnects = new Counter({
      name: 'routetrace_collector_streams_refused_or_cut_total',
      help: 'Live-tail streams refused at the --max-streams limit (reason="limit") or cut off for not reading (reason="slow_client").',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Opens a stream on `res`, or throws `too_many_streams` before anything is written. */
  async open(res: ServerResponse, filter: StreamFilter, afterSeq: number | undefined): Promise<void> {
    if (this.#clients.size >= this.#options.maxStreams) {
      this.#disconnects.inc({ reason: 'limit' });
      throw new RoutetraceError('too_many_streams', `at most ${this.#options.maxStreams} live-tail streams may be open (--max-streams); retry later`);
    }
    const client = new StreamClient(res, this.#store.queries, {
      filter,
      afterSeq,
      heartbeatMs: this.#options.heartbeatMs,
      maxBufferedBytes: this.#options.maxBufferedBytes,
      replayPageSize: this.#options.replayPageSize,
      onSlow: () => this.#disconnects.inc({ reason: 'slow_client' }),
    });
    this.#clients.add(client);
    this.#open.set(this.#clients.size);
    this.#unsubscribe ??= this.#store.onStored((traces) => this.#publish(traces));
    res.once('close', () => this.#remove(client));
    await client.start();
  }

  /** Ends every stream (collector shutdown: open streams would hold server.close() otherwise). */
  closeAll(): void {
    for (const client of this.#clients) {
      client.close();
      this.#remove(client);
    }
  }

  #publish(traces: readonly StoredTrace[]): void {
    const events = traces.map(toStreamEvent);
    for (const client of this.#clients) {
      // This runs inside the ingest request after its commit: a failing stream must not turn a
      // stored batch into an error answer (the proxy would resend it). It loses its stream instead.
      try {
        client.push(events);
      } catch {
        this.#remove(client);
      }
    }
  }

  #remove(client: StreamClient): void {
    client.close();
    if (!this.#clients.delete(client)) return;
    this.#open.set(this.#clients.size);
    if (this.#clients.size === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    }
  }
}
