import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { SqliteTraceStore } from '../../collector/store/sqlite-store.js';
import { mapBatch } from '../../collector/store/row-mapping.js';
import { validateRecord, type RoutingRecord } from '#shared/record.js';
import type { BenchContext, Figure } from '../figure.js';
import { benchRecord } from '../records.js';

function validated(prefix: string, count: number, timestamp: number): RoutingRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const result = validateRecord(benchRecord(prefix, i, timestamp));
    if (!result.ok) throw new Error(result.error);
    return result.record;
  });
}

/**
 * Figure 5: a sweep trimming 100,000 excess rows (plus 10,000 expired ones) while ingest goes
 * on in the same event loop, as in the collector: the longest stall, and cap and TTL after.
 */
export async function retention(ctx: BenchContext): Promise<Figure[]> {
  const group = '5. retention';
  const cap = 100_000;
  const excess = ctx.quick ? 50_000 : 100_000;
  const ttlSeconds = 3600;
  const store = await SqliteTraceStore.open(join(ctx.workDir, 'retention.db'), { maxTraceEntries: cap, traceTtlSeconds: ttlSeconds });
  try {
    const meta = { receivedMs: Date.now(), proxyId: undefined, dropped: 0 };
    // Batch by batch, keeping nothing: the bench's own garbage must not land in the measured window.
    for (let b = 0; b < 10; b++) store.writeNow(validated(`old${b}`, 1000, Date.now() - 2 * ttlSeconds * 1000), meta);
    for (let b = 0; b < (cap + excess) / 1000; b++) store.writeNow(validated(`fresh${b}`, 1000, Date.now()), meta);
    global.gc?.();

    // Ingest keeps going: a batch of 200 every 5 ms.
    let ingesting = true;
    let batch = 0;
    const ingest = async (): Promise<void> => {
      while (ingesting) {
        // Through the writer thread, as the collector ingests: the sweep's deletes run there too.
        await store.write(mapBatch(validated(`live${batch++}`, 200, Date.now()), meta));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const running = ingest();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await store.retention.sweep();
    // Checked at once, before the ingest loop runs again: the sweep's own guarantee.
    const afterCount = Number(store.raw.prepare('SELECT count(*) FROM traces').pluck().get());
    const afterExpired = Number(store.raw.prepare('SELECT count(*) FROM traces WHERE timestamp_ms < ?').pluck().get(Date.now() - ttlSeconds * 1000));
    ingesting = false;
    await running;
    histogram.disable();
    return [
      { group, name: `rows removed (cap ${cap.toLocaleString('en')}, ttl ${ttlSeconds} s)`, value: result.removedByCap + result.removedByTtl, unit: 'rows', note: `${result.removedByTtl} by TTL, ${result.removedByCap} by cap, ${batch * 200} ingested meanwhile` },
      { group, name: 'sweep duration', value: result.durationMs, unit: 'ms' },
      { group, name: 'longest event-loop stall during it', value: histogram.max / 1e6, unit: 'ms', target: { op: '<=', value: 20 } },
      { group, name: 'rows over the cap right after', value: Math.max(0, afterCount - cap), unit: 'rows', target: { op: '<=', value: 0 } },
      { group, name: 'rows past the TTL right after', value: afterExpired, unit: 'rows', target: { op: '<=', value: 0 } },
    ];
  } finally {
    await store.close();
  }
}
