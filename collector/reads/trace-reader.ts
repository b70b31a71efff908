import type { StoredTrace, Timeseries, TraceStats } from '#shared/api-types.js';
import type { SqliteDatabase } from '../store/database.js';
import { listTraces, replayPage, tracesByRequestId, type ReplayFilter, type TraceFilter } from './list-query.js';
import { SqliteSqlRunner, type SqlRunner } from './sql-runner.js';
import { computeStats, type StatsOptions } from './stats-query.js';
import { TimeseriesCache } from './timeseries-cache.js';
import { computeTimeseries, type TimeseriesOptions } from './timeseries-query.js';

/** Every read the HTTP API makes, as one interface: served by a reader thread (read-pool.ts). */
export interface TraceReads {
  list(filter: TraceFilter): Promise<StoredTrace[]>;
  byRequestId(requestId: string, limit?: number): Promise<StoredTrace[]>;
  stats(options: StatsOptions): Promise<TraceStats>;
  /**
   * The time series as the JSON text of its body: SQLite's reader thread serialises it there, so
   * the event loop neither deserialises a structured clone of ~16,000 numbers nor stringifies them
   * (~2 ms of event-loop CPU per call at 16 nodes, measured).
   */
  timeseriesJson(options: TimeseriesOptions): Promise<string>;
  /** The live tail's resume: records with seq > `afterSeq`, oldest first, `pageSize` at most. */
  replay(afterSeq: number, filter: ReplayFilter, pageSize: number): Promise<StoredTrace[]>;
}

/**
 * The same reads over one SqlRunner: SQLite's reader thread runs it over its read-only
 * connection; the PostgreSQL store over its pool.
 */
export class TraceReader {
  readonly #sql: SqlRunner;
  readonly #seriesCache: TimeseriesCache | undefined;

  /** `seriesCache`: the time series' per-bucket points, where the store keeps bucket versions (SQLite). */
  constructor(sql: SqlRunner, seriesCache?: TimeseriesCache) {
    this.#sql = sql;
    this.#seriesCache = seriesCache;
  }

  /** The reader over a SQLite connection (the reader thread's), with its time-series cache. */
  static sqlite(db: SqliteDatabase): TraceReader {
    return new TraceReader(new SqliteSqlRunner(db), new TimeseriesCache());
  }

  list(filter: TraceFilter): Promise<StoredTrace[]> {
    return listTraces(this.#sql, filter);
  }

  byRequestId(requestId: string, limit?: number): Promise<StoredTrace[]> {
    return tracesByRequestId(this.#sql, requestId, limit);
  }

  stats(options: StatsOptions): Promise<TraceStats> {
    return computeStats(this.#sql, options);
  }

  timeseries(options: TimeseriesOptions): Promise<Timeseries> {
    return computeTimeseries(this.#sql, options, this.#seriesCache);
  }

  async timeseriesJson(options: TimeseriesOptions): Promise<string> {
    return JSON.stringify(await this.timeseries(options));
  }

  replay(afterSeq: number, filter: ReplayFilter, pageSize: number): Promise<StoredTrace[]> {
    return replayPage(this.#sql, afterSeq, filter, pageSize);
  }
}

export type ReadMethod = 'list' | 'byRequestId' | 'stats' | 'timeseriesJson' | 'replay';

/** Calls one reader method by name with arguments that crossed a thread boundary. */
export function dispatchRead(reader: TraceReader, method: ReadMethod, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'list':
      return reader.list(args[0] as TraceFilter);
    case 'byRequestId':
      return reader.byRequestId(String(args[0]), args[1] as number | undefined);
    case 'stats':
      return reader.stats(args[0] as StatsOptions);
    case 'timeseriesJson':
      return reader.timeseriesJson(args[0] as TimeseriesOptions);
    case 'replay':
      return reader.replay(Number(args[0]), args[1] as ReplayFilter, Number(args[2]));
    default:
      method satisfies never;
      throw new Error(`unknown read ${String(method)}`);
  }
}
