import type { StoredTrace, TraceStats } from '#shared/api-types.js';
import { CollectorThread } from '../threads/collector-thread.js';
import type { ReplayFilter, TraceFilter } from './list-query.js';
import type { StatsOptions } from './stats-query.js';
import type { TimeseriesOptions } from './timeseries-query.js';
import type { ReadMethod, TraceReads } from './trace-reader.js';

/**
 * One reader thread (reads are short once stats come from rollups; one thread leaves the other
 * core to the event loop). Requests queue in the thread's message port; a thread that dies
 * fails what it held and is started again on the next read.
 */
export class ReadPool implements TraceReads {
  readonly #thread: CollectorThread;

  constructor(path: string) {
    this.#thread = new CollectorThread({ script: 'reads/read-worker.js', name: 'routetrace-reader', label: 'reader thread', workerData: () => ({ path }), closeTimeoutMs: 2000 });
  }

  list(filter: TraceFilter): Promise<StoredTrace[]> {
    return this.#call('list', [filter]) as Promise<StoredTrace[]>;
  }

  byRequestId(requestId: string, limit?: number): Promise<StoredTrace[]> {
    return this.#call('byRequestId', [requestId, limit]) as Promise<StoredTrace[]>;
  }

  stats(options: StatsOptions): Promise<TraceStats> {
    return this.#call('stats', [options]) as Promise<TraceStats>;
  }

  timeseriesJson(options: TimeseriesOptions): Promise<string> {
    return this.#call('timeseriesJson', [options]) as Promise<string>;
  }

  replay(afterSeq: number, filter: ReplayFilter, pageSize: number): Promise<StoredTrace[]> {
    return this.#call('replay', [afterSeq, filter, pageSize]) as Promise<StoredTrace[]>;
  }

  /** Starts the thread now, so the first read does not pay for it. */
  start(): void {
    this.#thread.start();
  }

  /** Lets the thread close its connection cleanly (then the writer's close can fold the WAL in). */
  close(): Promise<void> {
    return this.#thread.close();
  }

  #call(method: ReadMethod, args: unknown[]): Promise<unknown> {
    return this.#thread.request({ method, args });
  }
}
