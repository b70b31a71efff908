import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { StoredTrace } from '#shared/api-types.js';
import type { TraceReads } from '../reads/trace-reader.js';
import { matchesFilter, type StreamFilter } from './stream-filter.js';

export interface StreamClientSettings {
  filter: StreamFilter;
  /** Resume after this seq (from Last-Event-ID or ?after=); undefined: live records only. */
  afterSeq: number | undefined;
  heartbeatMs: number;
  /** Bytes queued in the response before the client counts as too slow and is disconnected. */
  maxBufferedBytes: number;
  replayPageSize: number;
  /** Called once when the client is disconnected for being slow. */
  onSlow: () => void;
}

/** A record and its SSE event text, serialised once per batch for every client. */
export interface StreamEvent {
  trace: StoredTrace;
  text: string;
}

export function toStreamEvent(trace: StoredTrace): StreamEvent {
  return { trace, text: `id: ${trace.seq}\ndata: ${JSON.stringify(trace)}\n\n` };
}

/** Waits for 'drain' or 'close', removing both listeners after (a long replay waits once per page). */
async function drainedOrClosed(res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  const wait = (event: string): Promise<unknown> => once(res, event, { signal: controller.signal }).catch(() => undefined);
  try {
    await Promise.race([wait('drain'), wait('close')]);
  } finally {
    controller.abort();
  }
}

/**
 * One live-tail connection. It subscribes BEFORE it replays, so a record committed at any point
 * is either seen by a replay query (committed before the query's snapshot: the query starts after
 * the subscription) or arrives through `push` (committed after); `#lastSeq`
 * removes the overlap. Result: no gap and no repeat between replay and live.
 */
export class StreamClient {
  readonly #res: ServerResponse;
  readonly #reads: TraceReads;
  readonly #settings: StreamClientSettings;
  #lastSeq = 0;
  #live = false;
  /** Live records that arrived while replaying; dropped (and re-read from the store) past a page. */
  #pending: StreamEvent[] = [];
  #pendingOverflowed = false;
  #closed = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(res: ServerResponse, reads: TraceReads, settings: StreamClientSettings) {
    this.#res = res;
    this.#reads = reads;
    this.#settings = settings;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends the headers and starts replay (when resuming) or goes live at once. */
  async start(): Promise<void> {
    this.#res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    this.#res.write(': routetrace live tail\nretry: 2000\n\n');
    this.#heartbeat = setInterval(() => {
      if (!this.#isSlow()) this.#write(': heartbeat\n\n');
    }, this.#settings.heartbeatMs);
    if (this.#settings.afterSeq === undefined) {
      this.#live = true;
      return;
    }
    this.#lastSeq = this.#settings.afterSeq;
    await this.#replay();
  }

  /** A committed batch (ascending seq), from the hub. */
  push(events: readonly StreamEvent[]): void {
    if (this.#closed) return;
    // Judged before writing: one large batch may sit in the buffer for a moment even for a
    // healthy client; a client still holding more than the bound when the next batch comes is slow.
    if (this.#isSlow()) return;
    for (const event of events) {
      if (!matchesFilter(event.trace, this.#settings.filter)) continue;
      if (!this.#live) {
        if (this.#pending.length >= this.#settings.replayPageSize) {
          this.#pending = [];
          this.#pendingOverflowed = true;
        }
        if (!this.#pendingOverflowed) this.#pending.push(event);
        continue;
      }
      this.#send(event);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#pending = [];
    if (!this.#res.destroyed) this.#res.end();
  }

  async #replay(): Promise<void> {
    while (!this.#closed) {
      const page = await this.#reads.replay(this.#lastSeq, this.#settings.filter, this.#settings.replayPageSize);
      for (const trace of page) this.#send(toStreamEvent(trace));
      // Replay is paced by the client: wait for the socket to drain before reading the next page.
      if (this.#res.writableLength > 0 && this.#res.writableNeedDrain && !this.#closed) {
        await drainedOrClosed(this.#res);
      }
      if (page.length === this.#settings.replayPageSize) continue;
      if (this.#pendingOverflowed) {
        // More arrived during replay than we keep in memory: read them from the store instead.
        this.#pendingOverflowed = false;
        this.#pending = [];
        continue;
      }
      this.#live = true;
      const pending = this.#pending;
      this.#pending = [];
      for (const event of pending) this.#send(event);
      return;
    }
  }

  #send(event: StreamEvent): void {
    if (event.trace.seq <= this.#lastSeq) return;
    this.#lastSeq = event.trace.seq;
    this.#write(event.text);
  }

  #write(text: string): void {
    if (!this.#closed && !this.#res.destroyed) this.#res.write(text);
  }

  /**
   * A client that does not read leaves its events queued; past the bound it is cut off (it can
   * resume with Last-Event-ID), so ingest never waits and memory stays bounded (the bound plus
   * one batch). Replay is exempt: it waits for 'drain' instead.
   */
  #isSlow(): boolean {
    if (!this.#live || this.#res.writableLength <= this.#settings.maxBufferedBytes) return false;
    this.#settings.onSlow();
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#res.destroy();
    return true;
  }
}
