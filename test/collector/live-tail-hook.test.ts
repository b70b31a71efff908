import { expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

describeEngines('store.onStored (the live-tail hook)', async (engine) => {
  const collector = await startTestCollector({}, engine);

  it('hands each committed batch to listeners as the list API returns it, in seq order, and unsubscribes', async () => {
    const seen: StoredTrace[][] = [];
    const unsubscribe = collector.store.onStored((traces) => seen.push(traces));
    const first = [makeRecord({ request_id: 'tail-1' }), makeRecord({ request_id: 'tail-2' })];
    await postJson(`${collector.url}/v1/traces`, first);
    // A replay stores nothing, so listeners hear nothing.
    await postJson(`${collector.url}/v1/traces`, first);
    const listed = (await request(`${collector.url}/v1/traces?limit=2`)).json as StoredTrace[];
    expect(seen).toEqual([[...listed].reverse()]);
    unsubscribe();
    await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'tail-3' })]);
    expect(seen).toHaveLength(1);
  });

  it('ignores a listener that throws: the batch is stored and answered 200', async () => {
    const unsubscribe = collector.store.onStored(() => {
      throw new Error('listener bug');
    });
    const answer = await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'tail-4' })]);
    unsubscribe();
    expect({ status: answer.status, body: answer.json }).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });
    expect((await request(`${collector.url}/v1/traces/tail-4`)).status).toBe(200);
  });
});
