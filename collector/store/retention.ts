import { statSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { SqliteDatabase } from './database.js';
import { BUSY_TIMEOUT_MS, JOURNAL_SIZE_LIMIT_BYTES } from './database.js';
import type { StoreSchema } from './schema.js';

export interface RetentionPolicy {
  /** Keep at most this many records (the oldest by seq go first). */
  maxTraceEntries: number;
  /** Remove records routed longer ago than this. */
  traceTtlSeconds: number;
  /**
   * Rows removed per DELETE; the sweep yields to the event loop between batches. One 100k-row
   * DELETE blocked the loop ~230 ms; see README "Retention" for the measured batch cost.
   * Default: 2000.
   */
  batchSize?: number;
}

export interface SweepResult {
  removedByTtl: number;
  removedByCap: number;
  durationMs: number;
  /** Size of the -wal file after the sweep's checkpoint, in bytes (0 for :memory:). */
  walBytes: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes expired records, then the oldest beyond the cap, in bounded batches. Each loop
 * re-checks after every batch, so when sweep() resolves the table held no record older than
 * the TTL cutoff and no more than the cap at that moment.
 */
export class RetentionSweeper {
  readonly #db: Kysely<StoreSchema>;
  readonly #raw: SqliteDatabase;
  readonly #walPath: string | undefined;
  readonly #policy: Required<RetentionPolicy>;
  readonly #count: () => number;

  constructor(db: Kysely<StoreSchema>, raw: SqliteDatabase, dbPath: string, policy: RetentionPolicy, countRows: () => number) {
    this.#db = db;
    this.#count = countRows;
    this.#raw = raw;
    this.#walPath = dbPath === ':memory:' ? undefined : `${dbPath}-wal`;
    this.#policy = { batchSize: 2000, ...policy };
  }

  get policy(): Readonly<Required<RetentionPolicy>> {
    return this.#policy;
  }

  async sweep(nowMs: number = Date.now()): Promise<SweepResult> {
    const started = performance.now();
    const cutoffMs = nowMs - this.#policy.traceTtlSeconds * 1000;
    const removedByTtl = await this.#deleteInBatches(async (limit) =>
      this.#db
        .deleteFrom('traces')
        .where('seq', 'in', (eb) =>
          eb.selectFrom('traces').select('seq').where('timestamp_ms', '<', cutoffMs).orderBy('timestamp_ms').limit(limit),
        )
        .executeTakeFirst(),
    );
    // count(*) is answered from the table's b-tree in well under a millisecond; an OFFSET
    // query to find the cap boundary walked 100,000 index entries per batch (measured 66 ms stalls).
    let removedByCap = 0;
    for (let excess = this.#count() - this.#policy.maxTraceEntries; excess > 0; excess = this.#count() - this.#policy.maxTraceEntries) {
      while (excess > 0) {
        const result = await this.#db
          .deleteFrom('traces')
          .where('seq', 'in', (eb) => eb.selectFrom('traces').select('seq').orderBy('seq').limit(Math.min(excess, this.#policy.batchSize)))
          .executeTakeFirst();
        const deleted = Number(result.numDeletedRows);
        removedByCap += deleted;
        excess -= deleted;
        if (deleted === 0) break;
        await yieldToEventLoop();
      }
    }
    const walBytes = removedByTtl + removedByCap > 0 ? this.#checkpoint() : this.#walSize();
    return { removedByTtl, removedByCap, durationMs: performance.now() - started, walBytes };
  }

  async #deleteInBatches(deleteBatch: (limit: number) => Promise<{ numDeletedRows: bigint }>): Promise<number> {
    let removed = 0;
    for (;;) {
      const deleted = Number((await deleteBatch(this.#policy.batchSize)).numDeletedRows);
      removed += deleted;
      if (deleted < this.#policy.batchSize) return removed;
      await yieldToEventLoop();
    }
  }

  /**
   * A passive checkpoint never waits. If the WAL is still above the journal size limit (a
   * reader holding an old snapshot stops checkpoints from resetting it), try once to truncate
   * it without waiting on the busy handler, which would block the event loop.
   */
  #checkpoint(): number {
    this.#raw.pragma('wal_checkpoint(PASSIVE)');
    if (this.#walSize() <= JOURNAL_SIZE_LIMIT_BYTES) return this.#walSize();
    this.#raw.pragma('busy_timeout = 0');
    try {
      this.#raw.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.#raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    return this.#walSize();
  }

  #walSize(): number {
    if (this.#walPath === undefined) return 0;
    try {
      return statSync(this.#walPath).size;
    } catch {
      return 0;
    }
  }
}
