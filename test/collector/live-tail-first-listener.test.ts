import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { validateRecord, type RoutingRecord } from '#shared/record.js';
import { mapBatch } from '../../collector/store/row-mapping.js';
import { startTestCollector } from '../helpers/collector.js';
import { makeRecord } from '../helpers/records.js';

function validated(count: number, prefix: string): RoutingRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const result = validateRecord(makeRecord({ request_id: `${prefix}-${i}` }));
    if (!result.ok) throw new Error(result.error);
    return result.record;
  });
}

describe('the first live-tail listener and a batch already on its way to the writer thread', () => {
  it('hands the batch to the listener or to the resume replay started after subscribing: every record once in all, none lost', async () => {
    const collector = await startTestCollector();
    const { store } = collector;
    for (let round = 0; round < 5; round++) {
      // Sent before anyone listens: the writer thread does not send its rows back...
      const writing = store.write(mapBatch(validated(300, `round${round}`), { receivedMs: Date.now(), proxyId: undefined, dropped: 0 }));
      const heard: StoredTrace[] = [];
      const unsubscribe = store.onStored((traces) => heard.push(...traces));
      // ...so the replay (what a resuming stream reads right after subscribing) must see it.
      const afterSeq = round * 300;
      const replayed = await store.queries.replay(afterSeq, {}, 1000);
      await writing;
      unsubscribe();
      const seen = [...replayed, ...heard].map((trace) => trace.request_id);
      expect(new Set(seen).size).toBe(300);
      expect(seen.every((requestId) => requestId.startsWith(`round${round}-`))).toBe(true);
    }
  });
});
