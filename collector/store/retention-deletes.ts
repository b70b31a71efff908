import type { Statement } from 'better-sqlite3';
import { RollupDeltas, type RollupFact } from '../rollups/rollup-delta.js';
import type { RollupWriter } from '../rollups/rollup-writer.js';
import type { SqliteDatabase } from './database.js';

/** The columns a rollup needs back from a deleted row. */
const RETURNING = 'timestamp_ms, node_id, routing_policy, decision, attribution, cache_hit, status, attempts, prompt_tokens, cached_tokens, queue_size, prefix_match_rate, duration_ms, ttft_ms';

/** One delete step's outcome: rows removed, and how long its transaction took (the sweeper sizes the next step by it). */
export interface DeleteStep {
  deleted: number;
  tookMs: number;
}

/**
 * Retention's delete steps, run on the writer thread (write-worker.ts) by the one write
 * connection. Each step is one transaction that deletes rows (`DELETE … RETURNING`), subtracts
 * them from the rollups and from the retained-row counter, so stats stay exact for what is
 * retained at every moment. The loop that decides the steps is the sweeper's (retention.ts).
 */
export class RetentionDeletes {
  readonly #expired: (cutoffMs: number, limit: number) => number;
  readonly #oldest: (limit: number) => number;

  constructor(raw: SqliteDatabase, rollups: RollupWriter) {
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
    this.#expired = raw.transaction((cutoffMs: number, limit: number) => subtract(expired.all(cutoffMs, limit)));
    this.#oldest = raw.transaction((limit: number) => subtract(oldest.all(limit)));
  }

  /** Removes up to `limit` records routed before `cutoffMs`, oldest first. */
  expired(cutoffMs: number, limit: number): DeleteStep {
    return timed(() => this.#expired(cutoffMs, limit));
  }

  /** Removes the `limit` oldest records (by seq). */
  oldest(limit: number): DeleteStep {
    return timed(() => this.#oldest(limit));
  }
}

function timed(run: () => number): DeleteStep {
  const started = performance.now();
  const deleted = run();
  return { deleted, tookMs: performance.now() - started };
}
