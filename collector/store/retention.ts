import { statSync } from 'node:fs';
import type { DeleteStep } from './retention-deletes.js';
import type { RetentionPolicy, RetentionSweep, SweepResult } from './trace-store.js';

/**
 * A step slower than this is halved; one faster than a quarter of it is doubled. The steps run
 * on the writer thread, so this bounds how long an ingest batch waits behind one, not an
 * event-loop stall. Each step also pays a fixed cost (its rollup upserts and commit): at 10 ms
 * steps of ~300 rows, deleting cost as much per row as inserting (measured); 2,000-row steps
 * take 20–40 ms at 1–5M rows.
 */
const BATCH_BUDGET_MS = 50;
const MIN_BATCH = 50;
const START_BATCH = 500;

/** What the sweeper needs of the writer: delete steps (run on the writer thread) and the row count. */
export interface RetentionTarget {
  deleteExpired(cutoffMs: number, limit: number): Promise<DeleteStep>;
  deleteOldest(limit: number): Promise<DeleteStep>;
  /** Records retained now, as the last write or delete left them. */
  countRows(): number;
}

/**
 * Deletes expired records, then the oldest beyond the cap, in bounded steps. Each step is one
 * transaction on the writer thread (see retention-deletes.ts): the event loop only sends it and
 * waits, and ingest batches queue between steps instead of behind the whole sweep. A step's
 * size adapts to its measured duration, so a batch waits at most ~BATCH_BUDGET_MS behind one.
 * When sweep() resolves the table held no record older than the TTL cutoff and no more than
 * the cap at that moment.
 */
export class RetentionSweeper implements RetentionSweep {
  readonly #walPath: string | undefined;
  readonly #policy: Required<RetentionPolicy>;
  readonly #target: RetentionTarget;
  #batch: number;

  constructor(target: RetentionTarget, dbPath: string, policy: RetentionPolicy) {
    this.#target = target;
    this.#walPath = dbPath === ':memory:' ? undefined : `${dbPath}-wal`;
    this.#policy = { batchSize: 2000, ...policy };
    // Start small and grow while steps stay fast: a first 2,000-row step at 1M+ rows could take
    // a few hundred ms before the budget had a chance to shrink it.
    this.#batch = Math.min(START_BATCH, this.#policy.batchSize);
  }

  get policy(): Readonly<Required<RetentionPolicy>> {
    return this.#policy;
  }

  async sweep(nowMs: number = Date.now()): Promise<SweepResult> {
    const started = performance.now();
    const cutoffMs = nowMs - this.#policy.traceTtlSeconds * 1000;
    let removedByTtl = 0;
    for (;;) {
      const limit = this.#batch;
      const deleted = this.#adapt(await this.#target.deleteExpired(cutoffMs, limit));
      removedByTtl += deleted;
      if (deleted < limit) break;
    }
    let removedByCap = 0;
    for (let excess = this.#excess(); excess > 0; excess = this.#excess()) {
      const deleted = this.#adapt(await this.#target.deleteOldest(Math.min(excess, this.#batch)));
      removedByCap += deleted;
      if (deleted === 0) break;
    }
    // Checkpoints run on the writer thread (its own autocheckpoint), never here (see store/database.ts).
    return { removedByTtl, removedByCap, durationMs: performance.now() - started, walBytes: this.#walSize() };
  }

  #excess(): number {
    return this.#target.countRows() - this.#policy.maxTraceEntries;
  }

  /** Sizes the next step by this one's duration. */
  #adapt(step: DeleteStep): number {
    if (step.tookMs > BATCH_BUDGET_MS) this.#batch = Math.max(Math.min(MIN_BATCH, this.#policy.batchSize), Math.floor(this.#batch / 2));
    else if (step.tookMs < BATCH_BUDGET_MS / 4) this.#batch = Math.min(this.#policy.batchSize, this.#batch * 2);
    return step.deleted;
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
