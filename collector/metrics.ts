import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { TraceStore } from './store/trace-store.js';

/** The collector's Prometheus metrics, in a registry of its own (several collectors can share a process). */
export class CollectorMetrics {
  readonly registry = new Registry();
  readonly accepted: Counter;
  readonly rejected: Counter;
  readonly duplicates: Counter;
  readonly droppedReported: Counter;
  readonly cachedTokensClamped: Counter;
  readonly retentionRemoved: Counter<'reason'>;

  constructor(store: TraceStore) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.accepted = new Counter({ name: 'routetrace_collector_records_accepted_total', help: 'Records stored.', registers });
    this.rejected = new Counter({ name: 'routetrace_collector_records_rejected_total', help: 'Records refused by validation.', registers });
    this.duplicates = new Counter({ name: 'routetrace_collector_records_duplicate_total', help: 'Records whose record_id was already stored.', registers });
    this.droppedReported = new Counter({ name: 'routetrace_collector_proxy_dropped_records_total', help: 'Records proxies reported dropping (queue full), as received by this process.', registers });
    this.cachedTokensClamped = new Counter({ name: 'routetrace_collector_cached_tokens_clamped_total', help: 'Records whose cached_tokens exceeded prompt_tokens (impossible) and were clamped to it.', registers });
    this.retentionRemoved = new Counter({ name: 'routetrace_collector_retention_removed_total', help: 'Rows removed by retention.', labelNames: ['reason'], registers });
    new Gauge({
      name: 'routetrace_collector_retained_rows',
      help: 'Records retained now.',
      registers,
      async collect() {
        this.set(await store.countRows());
      },
    });
    new Gauge({
      name: 'routetrace_collector_database_bytes',
      help: 'Size on disk of the SQLite database file and its WAL (absent for PostgreSQL: its server reports its own).',
      labelNames: ['file'],
      registers,
      collect() {
        const usage = store.diskUsage();
        if (usage === undefined) return;
        this.set({ file: 'db' }, usage.dbBytes);
        this.set({ file: 'wal' }, usage.walBytes);
      },
    });
  }
}
