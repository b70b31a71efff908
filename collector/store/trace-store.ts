import type { StoredTrace } from '#shared/api-types.js';
import type { TraceReads } from '../reads/trace-reader.js';
import type { StorageState } from './storage-health.js';

export type StoredListener = (traces: StoredTrace[]) => void;
export type CounterName = 'total_requests' | 'dropped_records' | 'retained_rows' | 'cached_tokens_clamped';

export interface BatchMeta {
  receivedMs: number;
  /** Applied to records that carry no proxy_id of their own. */
  proxyId: string | undefined;
  /** Records the sending proxy dropped since its previous accepted batch. */
  dropped: number;
  /** Records in the batch whose cached_tokens validation clamped to prompt_tokens. Default: 0. */
  clampedCachedTokens?: number;
}

export interface WriteResult {
  accepted: number;
  duplicates: number;
  /** The stored records with their seq, in seq order; only filled while someone listens (`onStored`). */
  stored: StoredTrace[];
}

export interface RetentionPolicy {
  /** Keep at most this many records (the oldest go first). */
  maxTraceEntries: number;
  /** Remove records routed longer ago than this. */
  traceTtlSeconds: number;
  /** Most rows removed per delete step (SQLite; see sqlite's retention.ts). Default: 2000. */
  batchSize?: number;
}

export interface SweepResult {
  removedByTtl: number;
  removedByCap: number;
  durationMs: number;
  /** Size of SQLite's -wal file after the sweep, in bytes (0 where there is none). */
  walBytes: number;
}

export interface RetentionSweep {
  readonly policy: Readonly<Required<RetentionPolicy>>;
  /** Removes what is past the TTL at `nowMs`, then the oldest beyond the cap. */
  sweep(nowMs?: number): Promise<SweepResult>;
}

/** Sizes on disk the metrics report; a store without local files reports none. */
export interface DiskUsage {
  dbBytes: number;
  walBytes: number;
}

/**
 * A checked batch as every store takes it: `count` rows in INSERT_COLUMNS order (row-mapping.ts)
 * as UTF-8 JSON. Made on the ingest thread, it is handed to the writer thread through the event
 * loop without a copy (a transferred buffer): JSON crosses threads cheaper than a structured
 * clone of the rows (measured 1.0 + 1.0 ms vs 1.2 + 1.5 ms per 1,000), and bytes outside the
 * event loop's heap leave it no 0.5 MB string per batch to collect.
 */
export interface MappedBatch {
  rowsJson: Uint8Array;
  count: number;
  meta: BatchMeta;
}

/**
 * What the collector needs of a store, whatever the engine (SQLite embedded, PostgreSQL for
 * fleets). Routes, metrics, retention and the live tail see only this; every engine keeps the
 * same contract: a batch is stored atomically with its rollups and counters, `record_id` makes
 * ingest idempotent, reads never wait for writes, and a storage fault surfaces as an error
 * carrying the engine's code (mapped to 503 `storage_unavailable` by the error handler).
 */
export interface TraceStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Where the data lives, for logs and /health: a file path, or a URL without its password. */
  readonly location: string;
  readonly queries: TraceReads;
  readonly retention: RetentionSweep;
  /** The last write's outcome and anything else that says storage cannot be trusted. */
  storageState(): StorageState;
  /** Stores a checked batch (collector/ingest/batch-check.ts, or mapBatch in row-mapping.ts). */
  write(batch: MappedBatch): Promise<WriteResult>;
  /** Records retained now (kept in counters by every insert and delete, never a count(*)). */
  countRows(): Promise<number>;
  counter(name: CounterName): Promise<number>;
  /**
   * Called after each committed batch with the newly stored records as the list API returns
   * them (with `seq`), in seq order. Returns the unsubscribe function. A listener that throws is
   * ignored: it never affects ingest.
   */
  onStored(listener: StoredListener): () => void;
  diskUsage(): DiskUsage | undefined;
  close(): Promise<void>;
}
