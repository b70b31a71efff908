import { describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { POSTGRES_ADMIN_URL, queryDatabase, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

// PostgreSQL only (SQLite's traces_view is checked in persistence.test.ts): what psql users read.
describe.skipIf(POSTGRES_ADMIN_URL === '')('traces_view in PostgreSQL', () => {
  it('shows each record with the ISO 8601 times the API returns (millisecond precision, Z)', async () => {
    const collector = await startTestCollector({}, 'postgres');
    await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'iso-1', timestamp: Date.now() - 1234 }), makeRecord({ request_id: 'iso-2' })]);
    const api = (await request(`${collector.url}/v1/traces`)).json as StoredTrace[];
    const view = await queryDatabase(collector, 'SELECT request_id, timestamp, received_at, seq FROM traces_view ORDER BY seq DESC');
    expect(view).toEqual(api.map((trace) => ({ request_id: trace.request_id, timestamp: trace.timestamp, received_at: trace.received_at, seq: trace.seq })));
  });
});
