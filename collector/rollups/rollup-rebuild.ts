import type { SqliteDatabase } from '../store/database.js';
import { RollupDeltas, type RollupFact } from './rollup-delta.js';
import { RollupWriter } from './rollup-writer.js';

/**
 * Builds the rollups of rows stored before migration 005 (that migration cannot: the histogram
 * code lives here). Runs once at open, only when rows exist and rollups do not, in one
 * transaction; ~1 s per million rows.
 */
export function rebuildRollups(db: SqliteDatabase): number {
  const retained = Number(db.prepare("SELECT value FROM counters WHERE name = 'retained_rows'").pluck().get() ?? 0);
  const hasRollups = db.prepare('SELECT 1 FROM rollups LIMIT 1').get() !== undefined;
  if (retained === 0 || hasRollups) return 0;
  const writer = new RollupWriter(db);
  const rows = db.prepare<[], RollupFact>(
    'SELECT timestamp_ms, node_id, routing_policy, decision, attribution, cache_hit, status, attempts, prompt_tokens, cached_tokens, queue_size, prefix_match_rate, duration_ms, ttft_ms FROM traces',
  );
  let count = 0;
  db.transaction(() => {
    const deltas = new RollupDeltas();
    for (const row of rows.iterate()) {
      deltas.add(row, 1);
      count += 1;
    }
    writer.apply(deltas);
  })();
  return count;
}
