import type { Pool, PoolClient } from 'pg';
import type { StoredTrace } from '#shared/api-types.js';
import { RollupDeltas, type RollupFact } from '../../rollups/rollup-delta.js';
import { columnAt, INSERT_COLUMNS, insertRowToTrace, type InsertRow } from '../row-mapping.js';
import type { BatchMeta, WriteResult } from '../trace-store.js';
import type { PgRollupWriter } from './pg-rollup-writer.js';

const RECORD_ID_AT = columnAt('record_id');

/** PostgreSQL array type of each insert column (the migration's column types). */
const COLUMN_TYPES: Record<(typeof INSERT_COLUMNS)[number], string> = {
  record_id: 'text', request_id: 'text', node_id: 'text', worker_url: 'text', routing_policy: 'text', status: 'text',
  timestamp_ms: 'int8', received_ms: 'int8', duration_ms: 'float8', ttft_ms: 'float8', http_status: 'int8', stream: 'int2',
  method: 'text', path: 'text', model: 'text', prompt_tokens: 'int8', completion_tokens: 'int8', cached_tokens: 'int8',
  cache_hit: 'int2', cache_hit_rate: 'float8', queue_size: 'int8', worker_load: 'int8', prefix_match_rate: 'float8',
  attempts: 'int8', error: 'text', proxy_id: 'text', attribution: 'text', dp_rank: 'int8', decision: 'text', candidate_loads: 'text',
};

/** The stored columns a rollup needs, returned by the insert (the same list retention returns from deletes). */
export const FACT_COLUMNS = 'timestamp_ms, node_id, routing_policy, decision, attribution, cache_hit, status, attempts, prompt_tokens, cached_tokens, queue_size, prefix_match_rate, duration_ms, ttft_ms';

/**
 * One multi-row insert per batch: every column as an array through unnest (30 parameters
 * whatever the batch size; one VALUES list of 1,000 rows would bind 30,000). `ON CONFLICT DO
 * NOTHING` on the (record_id, timestamp_ms) unique index makes a batch sent to two collectors,
 * or retried, store each record once; RETURNING says which rows were new.
 */
const INSERT = `INSERT INTO traces (${INSERT_COLUMNS.join(', ')})
  SELECT * FROM unnest(${INSERT_COLUMNS.map((column, i) => `$${i + 1}::${COLUMN_TYPES[column]}[]`).join(', ')})
  ON CONFLICT DO NOTHING
  RETURNING seq, record_id, ${FACT_COLUMNS}`;

type InsertedRow = RollupFact & { seq: number; record_id: string };

/** Deadlock (40P01) or serialization failure (40001): the transaction is safe to run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

/**
 * The batch transaction: insert, rollup upserts, counters, committed together, so stats read
 * from rollups always match the rows, across every collector writing to the database.
 */
export class PgTraceWriter {
  readonly #pool: Pool;
  readonly #rollups: PgRollupWriter;

  constructor(pool: Pool, rollups: PgRollupWriter) {
    this.#pool = pool;
    this.#rollups = rollups;
  }

  async write(batchRows: readonly InsertRow[], meta: BatchMeta, withStored: boolean): Promise<WriteResult> {
    // A record_id twice in one batch is stored once (SQLite's unique record_id does the same).
    const seen = new Set<unknown>();
    const rows: InsertRow[] = [];
    for (const row of batchRows) {
      if (seen.has(row[RECORD_ID_AT])) continue;
      seen.add(row[RECORD_ID_AT]);
      rows.push(row);
    }
    const client = await this.#pool.connect();
    let failed = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#transaction(client, rows, batchRows.length, meta, withStored);
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
        }
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // A connection that failed mid-transaction may be broken: the pool replaces it.
      client.release(failed);
    }
  }

  async #transaction(client: PoolClient, rows: InsertRow[], sent: number, meta: BatchMeta, withStored: boolean): Promise<WriteResult> {
    await client.query('BEGIN');
    try {
      let inserted: InsertedRow[] = [];
      if (rows.length > 0) {
        const columns = INSERT_COLUMNS.map((_, i) => rows.map((row) => row[i] ?? null));
        inserted = (await client.query<InsertedRow>(INSERT, columns)).rows;
      }
      const accepted = inserted.length;
      const duplicates = sent - accepted;
      const deltas = new RollupDeltas();
      for (const row of inserted) deltas.add(row, 1);
      await this.#rollups.apply(client, deltas);
      // A batch whose every record is already stored is a retry of one that was accepted: its
      // drop count was counted then (the rule SQLite's writer applies).
      const isReplay = accepted === 0 && duplicates > 0;
      const add: Array<[string, number]> = [
        ['cached_tokens_clamped', isReplay ? 0 : (meta.clampedCachedTokens ?? 0)],
        ['dropped_records', isReplay ? 0 : meta.dropped],
        ['retained_rows', accepted],
        ['total_requests', accepted],
      ];
      const changed = add.filter(([, n]) => n > 0);
      if (changed.length > 0) {
        // Names in a fixed order: concurrent batches lock the counter rows in the same order.
        await client.query(
          'UPDATE counters SET value = value + d.n FROM unnest($1::text[], $2::int8[]) AS d(name, n) WHERE counters.name = d.name',
          [changed.map(([name]) => name), changed.map(([, n]) => n)],
        );
      }
      await client.query('COMMIT');
      let stored: StoredTrace[] = [];
      if (withStored && accepted > 0) {
        const byId = new Map(rows.map((row) => [row[0] as string, row]));
        stored = inserted
          .sort((a, b) => a.seq - b.seq)
          .flatMap((row) => {
            const values = byId.get(row.record_id);
            return values === undefined ? [] : [insertRowToTrace(values, row.seq)];
          });
      }
      return { accepted, duplicates, stored };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
