import type { Pool, PoolClient } from 'pg';
import { RollupDeltas, type RollupFact } from '../../rollups/rollup-delta.js';
import type { RetentionPolicy, RetentionSweep, SweepResult } from '../trace-store.js';
import { listPartitions, PARTITION_MS, type PartitionMaker, type PartitionRange } from './pg-partitions.js';
import type { PgRollupWriter, StoredRollupRow } from './pg-rollup-writer.js';
import { FACT_COLUMNS } from './pg-trace-writer.js';

/** pg_try_advisory_lock key: one sweeper at a time across every collector on the database ('rtsweep!'). */
export const SWEEP_LOCK_KEY = (0x72747377_65657021n).toString();

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Retention on PostgreSQL, without row scans at scale: TTL drops every partition wholly past
 * the cutoff (its rollup rows removed and subtracted from the totals by bucket range: exact,
 * no trace row read), then deletes the few expired rows of the boundary partition in bounded
 * batches (`DELETE … RETURNING`, subtracted as SQLite's sweeper does). The cap drops the oldest
 * partitions whole while they hold no more than the excess, then trims the oldest rows (by seq)
 * of the oldest remaining one. Every step is one transaction with its rollups and counters.
 * Only one collector sweeps at a time: the others find the advisory lock taken and skip.
 */
export class PgRetentionSweeper implements RetentionSweep {
  readonly #pool: Pool;
  readonly #rollups: PgRollupWriter;
  readonly #partitions: PartitionMaker;
  readonly #policy: Required<RetentionPolicy>;

  constructor(pool: Pool, policy: RetentionPolicy, rollups: PgRollupWriter, partitions: PartitionMaker) {
    this.#pool = pool;
    this.#rollups = rollups;
    this.#partitions = partitions;
    this.#policy = { batchSize: 2000, ...policy };
  }

  get policy(): Readonly<Required<RetentionPolicy>> {
    return this.#policy;
  }

  async sweep(nowMs: number = Date.now()): Promise<SweepResult> {
    const started = performance.now();
    const cutoffMs = nowMs - this.#policy.traceTtlSeconds * 1000;
    const client = await this.#pool.connect();
    let failed = false;
    try {
      const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [SWEEP_LOCK_KEY]);
      if (locked.rows[0]?.locked !== true) return { removedByTtl: 0, removedByCap: 0, durationMs: performance.now() - started, walBytes: 0 };
      try {
        // The hour ahead is made now, so the first batch of each hour does not wait for it.
        await this.#partitions.ensure([nowMs, nowMs + PARTITION_MS], cutoffMs);
        const removedByTtl = await this.#expire(client, cutoffMs);
        const removedByCap = await this.#trim(client);
        return { removedByTtl, removedByCap, durationMs: performance.now() - started, walBytes: 0 };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [SWEEP_LOCK_KEY]);
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      client.release(failed);
    }
  }

  async #expire(client: PoolClient, cutoffMs: number): Promise<number> {
    let removed = 0;
    for (const partition of await listPartitions(client)) {
      if (partition.toMs !== null && partition.toMs <= cutoffMs) removed += await this.#drop(client, partition);
    }
    // The boundary partition and the default one: rows before the cutoff, a batch at a time.
    for (const partition of await listPartitions(client)) {
      if (partition.fromMs !== null && partition.fromMs >= cutoffMs) continue;
      const text = `SELECT ctid FROM ${quote(partition.name)} WHERE timestamp_ms < $1 ORDER BY timestamp_ms LIMIT $2`;
      for (;;) {
        const deleted = await this.#deleteRows(client, partition.name, text, [cutoffMs, this.#policy.batchSize]);
        removed += deleted;
        if (deleted < this.#policy.batchSize) break;
      }
    }
    return removed;
  }

  async #trim(client: PoolClient): Promise<number> {
    let removed = 0;
    for (;;) {
      const excess = (await this.#retained(client)) - this.#policy.maxTraceEntries;
      if (excess <= 0) return removed;
      let progressed = false;
      for (const partition of await listPartitions(client)) {
        const rows = await this.#rowsIn(client, partition);
        if (rows === 0) continue;
        if (rows <= excess && partition.fromMs !== null) {
          removed += await this.#drop(client, partition);
        } else {
          const text = `SELECT ctid FROM ${quote(partition.name)} ORDER BY seq LIMIT $1`;
          removed += await this.#deleteRows(client, partition.name, text, [Math.min(excess, this.#policy.batchSize)]);
        }
        progressed = true;
        break;
      }
      if (!progressed) return removed;
    }
  }

  async #retained(client: PoolClient): Promise<number> {
    const result = await client.query<{ value: number }>("SELECT value FROM counters WHERE name = 'retained_rows'");
    return result.rows[0]?.value ?? 0;
  }

  /** Rows in a partition: its hours' rollup sums (exact, no scan); the default partition is counted (it holds only stragglers). */
  async #rowsIn(client: PoolClient, partition: PartitionRange): Promise<number> {
    const result = partition.fromMs === null || partition.toMs === null
      ? await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${quote(partition.name)}`)
      : await client.query<{ n: number | null }>('SELECT sum(requests) AS n FROM rollups WHERE bucket_ms >= $1 AND bucket_ms < $2', [partition.fromMs, partition.toMs]);
    return result.rows[0]?.n ?? 0;
  }

  /** Drops a whole partition; its hours' rollup rows leave the totals. Returns the rows it held. */
  async #drop(client: PoolClient, partition: PartitionRange): Promise<number> {
    if (partition.fromMs === null || partition.toMs === null) return 0;
    await client.query('BEGIN');
    try {
      // Dropping a partition locks its parent. Taken first, before any rollup row, that lock
      // keeps the order batches use (table, then rollup rows), so a drop cannot deadlock with
      // one: it waits for batches in flight, and the next ones wait for it (tens of ms).
      await client.query('LOCK TABLE traces IN ACCESS EXCLUSIVE MODE');
      const removed = (await client.query<StoredRollupRow>('DELETE FROM rollups WHERE bucket_ms >= $1 AND bucket_ms < $2 RETURNING *', [partition.fromMs, partition.toMs])).rows;
      await this.#rollups.subtractTotals(client, removed);
      const rows = removed.reduce((total, row) => total + Number(row.requests), 0);
      if (rows > 0) await client.query("UPDATE counters SET value = value - $1 WHERE name = 'retained_rows'", [rows]);
      await client.query(`DROP TABLE ${quote(partition.name)}`);
      await client.query('COMMIT');
      this.#partitions.forget(partition.fromMs);
      return rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** One bounded DELETE … RETURNING in one partition, with its rollups and counter, in one transaction. */
  async #deleteRows(client: PoolClient, partition: string, select: string, params: unknown[]): Promise<number> {
    await client.query('BEGIN');
    try {
      const deleted = (await client.query<RollupFact>(`DELETE FROM ${quote(partition)} WHERE ctid = ANY(ARRAY(${select})) RETURNING ${FACT_COLUMNS}`, params)).rows;
      if (deleted.length > 0) {
        const deltas = new RollupDeltas();
        for (const fact of deleted) deltas.add(fact, -1);
        await this.#rollups.apply(client, deltas);
        await client.query("UPDATE counters SET value = value - $1 WHERE name = 'retained_rows'", [deleted.length]);
      }
      await client.query('COMMIT');
      return deleted.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
