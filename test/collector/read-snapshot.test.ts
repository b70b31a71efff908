import { describe, expect, it } from 'vitest';
import type { TraceStats } from '#shared/api-types.js';
import { validateRecord } from '#shared/record.js';
import { inReadSnapshot } from '../../collector/reads/read-snapshot.js';
import { SqliteSqlRunner, type SqlParam } from '../../collector/reads/sql-runner.js';
import { TraceReader } from '../../collector/reads/trace-reader.js';
import { RollupWriter } from '../../collector/rollups/rollup-writer.js';
import { openDatabase, openReadOnly, type SqliteDatabase } from '../../collector/store/database.js';
import { recordToRow } from '../../collector/store/row-mapping.js';
import { TraceWriter } from '../../collector/store/trace-writer.js';
import { startTestCollector } from '../helpers/collector.js';
import { postJson } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

/** A SQLite runner that lets a second connection commit a batch right after the read's first statement. */
class CommitsAfterFirstStatement extends SqliteSqlRunner {
  #commit: (() => void) | undefined;

  constructor(db: SqliteDatabase, commit: () => void) {
    super(db);
    this.#commit = commit;
  }

  override all(text: string, params: readonly SqlParam[] = []): unknown[] {
    const rows = super.all(text, params);
    const commit = this.#commit;
    this.#commit = undefined;
    commit?.();
    return rows;
  }
}

const figures = (stats: TraceStats) => ({
  total_requests: stats.total_requests,
  active_traces: stats.active_traces,
  requests_per_node: stats.requests_per_node,
  requests_per_status: stats.requests_per_status,
});

describe('SQLite reads [sqlite only]', () => {
  it('stats read in one snapshot: a batch committed between its statements shows in none of its figures (and does show in some of them without the snapshot)', async () => {
    const collector = await startTestCollector();
    await collector.retention.stop();
    expect((await postJson(`${collector.url}/v1/traces`, [0, 1, 2].map(() => makeRecord({ node_id: 'w0', status: 'completed' })))).status).toBe(200);

    const readDb = openReadOnly(collector.store.location);
    const writeDb = openDatabase(collector.store.location);
    const writer = new TraceWriter(writeDb, new RollupWriter(writeDb));
    const commitTwoOnW1 = (): void => {
      const rows = [0, 1].map(() => {
        const result = validateRecord(makeRecord({ node_id: 'w1', status: 'failed' }));
        if (!result.ok) throw new Error(result.error);
        return recordToRow(result.record, Date.now(), undefined);
      });
      writer.write(rows, { receivedMs: Date.now(), proxyId: undefined, dropped: 0 });
    };
    const options = { nowMs: Date.now(), nodeLimit: 50, retention: { maxTraceEntries: 100_000, traceTtlSeconds: 3600 } };
    try {
      const inSnapshot = await inReadSnapshot(readDb, () => new TraceReader(new CommitsAfterFirstStatement(readDb, commitTwoOnW1)).stats(options));
      expect(figures(inSnapshot)).toEqual({ total_requests: 3, active_traces: 3, requests_per_node: { w0: 3 }, requests_per_status: { completed: 3 } });
      expect(readDb.inTransaction).toBe(false);

      // The next read sees the batch, in every figure.
      expect(figures(await inReadSnapshot(readDb, () => new TraceReader(new SqliteSqlRunner(readDb)).stats(options)))).toEqual({
        total_requests: 5, active_traces: 5, requests_per_node: { w0: 3, w1: 2 }, requests_per_status: { completed: 3, failed: 2 },
      });

      // Control: the same interleaving outside a snapshot mixes two states of the database
      // (the counters were read before the commit, the per-node sums after it).
      const mixed = await new TraceReader(new CommitsAfterFirstStatement(readDb, commitTwoOnW1)).stats(options);
      expect(figures(mixed)).toEqual({ total_requests: 5, active_traces: 5, requests_per_node: { w0: 3, w1: 4 }, requests_per_status: { completed: 3, failed: 4 } });
    } finally {
      readDb.close();
      writeDb.close();
    }
  });
});
