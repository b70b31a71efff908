import type { Pool, PoolClient } from 'pg';

/** Partition width: one hour of routing time. TTL and cap act on whole partitions first. */
export const PARTITION_MS = 3_600_000;

/** pg_advisory_xact_lock key serializing partition creation across collectors ('rtpartit'). */
const PARTITION_LOCK_KEY = (0x72747061_72746974n).toString();

export interface PartitionRange {
  name: string;
  /** Inclusive lower bound, epoch ms (null for the default partition). */
  fromMs: number | null;
  /** Exclusive upper bound, epoch ms (null for the default partition). */
  toMs: number | null;
}

export function partitionStart(timestampMs: number): number {
  return Math.floor(timestampMs / PARTITION_MS) * PARTITION_MS;
}

/** `traces_p2026112201` for the hour starting 2026-11-22T01:00Z (readable in psql's \d+). */
export function partitionName(startMs: number): string {
  const iso = new Date(startMs).toISOString();
  return `traces_p${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}`;
}

/**
 * Creates the hourly partitions a batch needs, before its transaction. Hours older than
 * `horizonMs` (already past the TTL) get none: those rows land in `traces_default` and the next
 * sweep deletes them; a partition created there could also clash with rows already in the
 * default partition. Creation is serialized across collectors by a transaction advisory lock;
 * a failure is not fatal (the rows go to the default partition).
 */
export class PartitionMaker {
  readonly #pool: Pool;
  readonly #known = new Set<number>();

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Forgets a partition retention dropped (it may be needed again only if the TTL grew). */
  forget(startMs: number): void {
    this.#known.delete(startMs);
  }

  async ensure(timestamps: Iterable<number>, horizonMs: number): Promise<void> {
    const missing = new Set<number>();
    for (const timestamp of timestamps) {
      const start = partitionStart(timestamp);
      if (start + PARTITION_MS > horizonMs && !this.#known.has(start)) missing.add(start);
    }
    if (missing.size === 0) return;
    const client = await this.#pool.connect();
    try {
      for (const start of [...missing].sort((a, b) => a - b)) {
        await this.#create(client, start);
        this.#known.add(start);
      }
    } finally {
      client.release();
    }
  }

  async #create(client: PoolClient, start: number): Promise<void> {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY]);
      const exists = await client.query('SELECT 1 FROM pg_class WHERE relname = $1', [partitionName(start)]);
      if (exists.rowCount === 0) {
        await client.query(`CREATE TABLE ${partitionName(start)} PARTITION OF traces FOR VALUES FROM (${start}) TO (${start + PARTITION_MS})`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // 23514: rows for that hour already sit in the default partition (the TTL grew since
      // they were stored): they stay there and the sweep's row DELETE handles them.
      if ((error as { code?: unknown }).code !== '23514') throw error;
    }
  }
}

/** The partitions of `traces`, oldest range first; the default partition (bounds null) first of all. */
export async function listPartitions(client: Pool | PoolClient): Promise<PartitionRange[]> {
  const result = await client.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'traces'::regclass`,
  );
  const ranges = result.rows.map((row): PartitionRange => {
    const match = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(row.bound);
    return { name: row.name, fromMs: match?.[1] === undefined ? null : Number(match[1]), toMs: match?.[2] === undefined ? null : Number(match[2]) };
  });
  return ranges.sort((a, b) => (a.fromMs ?? -Infinity) - (b.fromMs ?? -Infinity));
}
