import { addRow, HistogramPool, newPoint, SERIES_COLUMNS, type Point, type SeriesRow } from './timeseries-points.js';
import type { SqlRunner } from './sql-runner.js';

/** Points kept at most (under 1 KB each, so under ~25 MB): 64 nodes × 6.5 hours of buckets. */
const MAX_CACHED_POINTS = 25_000;

interface CachedBucket {
  version: number;
  /** Per node: the bucket's complete point (every routing policy). */
  points: Map<string, Point>;
}

/**
 * The reader thread's complete 60 s points, per bucket, kept with the bucket's version
 * (migration 006). A call reads the window's versions (one short query) and reads and merges
 * rollup rows only for buckets whose version moved: while a cluster sends records, that is the
 * newest bucket or two (and the oldest, when retention trims it), not the ~1,600 rows and
 * ~3,200 histogram BLOBs of an hour (~60% of a call's CPU, measured). Exact: every change to a
 * bucket's rows gives it a version never used before, in the same transaction. The versions
 * are read before the rows, so rows newer than their version are at worst read again next call.
 */
export class TimeseriesCache {
  readonly #buckets = new Map<number, CachedBucket>();
  #points = 0;
  /** Buckets whose rows were read (not served from the cache), since it was made: what its tests watch. */
  bucketsRead = 0;

  /** The complete points of each bucket in [startMs, endMs) that has rollup rows, per node. */
  async bucketPoints(sql: SqlRunner, startMs: number, endMs: number): Promise<Map<number, Map<string, Point>>> {
    const versions = (await sql.all('SELECT bucket_ms, version FROM rollup_versions WHERE bucket_ms >= ? AND bucket_ms < ?', [startMs, endMs])) as Array<{
      bucket_ms: number;
      version: number;
    }>;
    const live = new Map<number, Map<string, Point>>();
    const pool = new HistogramPool();
    for (const { bucket_ms: bucket, version } of versions) {
      let cached = this.#buckets.get(bucket);
      if (cached?.version !== version) {
        cached = { version, points: await readBucket(sql, bucket, pool) };
        this.bucketsRead += 1;
        this.#set(bucket, cached);
      }
      live.set(bucket, cached.points);
    }
    this.#evict(startMs, endMs, live);
    return live;
  }

  #set(bucket: number, entry: CachedBucket): void {
    this.#points += entry.points.size - (this.#buckets.get(bucket)?.points.size ?? 0);
    this.#buckets.set(bucket, entry);
  }

  #delete(bucket: number): void {
    this.#points -= this.#buckets.get(bucket)?.points.size ?? 0;
    this.#buckets.delete(bucket);
  }

  /** Buckets of the window without a version are gone; over the budget, buckets outside the window go, then the oldest. */
  #evict(startMs: number, endMs: number, live: Map<number, unknown>): void {
    const inWindow = (bucket: number): boolean => bucket >= startMs && bucket < endMs;
    for (const bucket of [...this.#buckets.keys()]) if (inWindow(bucket) && !live.has(bucket)) this.#delete(bucket);
    if (this.#points <= MAX_CACHED_POINTS) return;
    for (const bucket of [...this.#buckets.keys()]) if (!inWindow(bucket)) this.#delete(bucket);
    for (const bucket of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      if (this.#points <= MAX_CACHED_POINTS) break;
      this.#delete(bucket);
    }
  }
}

async function readBucket(sql: SqlRunner, bucket: number, pool: HistogramPool): Promise<Map<string, Point>> {
  const rows = (await sql.all(`SELECT ${SERIES_COLUMNS} FROM rollups WHERE bucket_ms = ?`, [bucket])) as SeriesRow[];
  const points = new Map<string, Point>();
  for (const row of rows) {
    let point = points.get(row.node_id);
    if (point === undefined) {
      point = newPoint();
      points.set(row.node_id, point);
    }
    addRow(point, row);
  }
  for (const point of points.values()) pool.complete(point);
  return points;
}
