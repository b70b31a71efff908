import { statSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import { RollupDeltas, type RollupFact } from '../rollups/rollup-delta.js';
import type { RollupWriter } from '../rollups/rollup-writer.js';
import type { SqliteDatabase } from './database.js';
import type { RetentionPolicy, RetentionSweep, SweepResult } from './trace-store.js';

/** A batch slower than this is halved; one faster than a quarter of it is doubled. */
const BATCH_BUDGET_MS = 10;
const MIN_BATCH = 50;
const START_BATCH = 250;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The columns a rollup needs back from a deleted row. */
const RETURNING = 'timestamp_ms, node_id, routing_policy, decision, attribution, cache_hit, status, attempts, prompt_tokens, cached_tokens, queue_size, prefix_match_rate, duration_ms, ttft_ms';

/**
 * Deletes expired records, then the oldest beyond the cap, in bounded batches. Each batch is
 * one transaction that deletes rows (`DELETE … RETURNING`), subtracts them from the rollups and
 * from the retained-row counter, so stats stay exact for what is retained at every moment.
 * When sweep() resolves the table held no record older than the TTL cutoff and no more than
 * the cap at that moment.
 */
export class RetentionSweeper implements RetentionSweep {
  readonly #walPath: string | undefined;
  readonly #policy: Required<RetentionPolicy>;
  readonly #count: () => number;
  readonly #deleteExpired: (cutoffMs: number, limit: number) => number;
  readonly #deleteOldest: (limit: number) => number;
  #batch: number;

  constructor(raw: SqliteDatabase, dbPath: string, policy: RetentionPolicy, countRows: () => number, rollups: RollupWriter) {
    this.#count = countRows;
    this.#walPath = dbPath === ':memory:' ? undefined : `${dbPath}-wal`;
    this.#policy = { batchSize: 2000, ...policy };
    // Start small and grow while batches stay fast: a first 2,000-row batch at 1M+ rows could
    // block for a few hundred ms before the budget had a chance to shrink it.
    this.#batch = Math.min(START_BATCH, this.#policy.batchSize);
    const expired: Statement<[number, number], RollupFact> = raw.prepare(
      `DELETE FROM traces WHERE seq IN (SELECT seq FROM traces WHERE timestamp_ms < ? ORDER BY timestamp_ms LIMIT ?) RETURNING ${RETURNING}`,
    );
    const oldest: Statement<[number], RollupFact> = raw.prepare(
      `DELETE FROM traces WHERE seq IN (SELECT seq FROM traces ORDER BY seq LIMIT ?) RETURNING ${RETURNING}`,
    );
    const subtractRows: Statement<[number]> = raw.prepare("UPDATE counters SET value = value - ? WHERE name = 'retained_rows'");
    const subtract = (deleted: RollupFact[]): number => {
      if (deleted.length === 0) return 0;
      const deltas = new RollupDeltas();
      for (const fact of deleted) deltas.add(fact, -1);
      rollups.apply(deltas);
      subtractRows.run(deleted.length);
      return deleted.length;
    };
    this.#deleteExpired = raw.transaction((cutoffMs: number, limit: number) => subtract(expired.all(cutoffMs, limit)));
    this.#deleteOldest = raw.transaction((limit: number) => subtract(oldest.all(limit)));
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
      const deleted = this.#timed(() => this.#deleteExpired(cutoffMs, limit));
      removedByTtl += deleted;
      if (deleted < limit) break;
      await yieldToEventLoop();
    }
    let removedByCap = 0;
    for (let excess = this.#count() - this.#policy.maxTraceEntries; excess > 0; excess = this.#count() - this.#policy.maxTraceEntries) {
      const deleted = this.#timed(() => this.#deleteOldest(Math.min(excess, this.#batch)));
      removedByCap += deleted;
      if (deleted === 0) break;
      await yieldToEventLoop();
    }
    // Checkpoints run on the reader thread, never here (see store/database.ts).
    return { removedByTtl, removedByCap, durationMs: performance.now() - started, walBytes: this.#walSize() };
  }

  /** Runs one batch and adapts the next batch's size to the time budget. */
  #timed(run: () => number): number {
    const started = performance.now();
    const deleted = run();
    const took = performance.now() - started;
    if (took > BATCH_BUDGET_MS) this.#batch = Math.max(Math.min(MIN_BATCH, this.#policy.batchSize), Math.floor(this.#batch / 2));
    else if (took < BATCH_BUDGET_MS / 4) this.#batch = Math.min(this.#policy.batchSize, this.#batch * 2);
    return deleted;
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
