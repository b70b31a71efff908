import { expect, it } from 'vitest';
import { describeEngines, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

describeEngines('POST /v1/traces', async (engine) => {
  const collector = await startTestCollector({}, engine);
  const ingestUrl = `${collector.url}/v1/traces`;

  it('accepts one record, an array, and the envelope', async () => {
    const single = makeRecord();
    expect((await postJson(ingestUrl, single)).json).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    const array = [makeRecord(), makeRecord()];
    expect((await postJson(ingestUrl, array)).json).toEqual({ accepted: 2, duplicates: 0, rejected: [] });

    const enveloped = makeRecord();
    const response = await postJson(ingestUrl, { records: [enveloped], proxy_id: 'proxy-a', dropped: 0 });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    // The envelope's proxy_id fills records that carry none.
    const stored = await collector.store.queries.byRequestId(String(enveloped.request_id));
    expect(stored.map((trace) => trace.proxy_id)).toEqual(['proxy-a']);
  });

  it('stores a record_id once, counting repeats as duplicates', async () => {
    const record = makeRecord();
    expect((await postJson(ingestUrl, [record])).json).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await postJson(ingestUrl, [record, record])).json).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    expect(await collector.store.queries.byRequestId(String(record.request_id))).toHaveLength(1);
  });

  it('stores the valid records of a batch and lists the invalid ones by index', async () => {
    const good = makeRecord();
    const response = await postJson(ingestUrl, [
      good,
      { ...makeRecord(), status: 'exploded' },
      { ...makeRecord(), request_id: 'bad\nid', cache_hit_rate: 1.5 },
      'not an object',
    ]);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { index: 1, error: 'status: Invalid option: expected one of "completed"|"failed"|"cancelled"|"timeout"' },
        { index: 2, error: 'request_id: must be printable ASCII; cache_hit_rate: Too big: expected number to be <=1' },
        { index: 3, error: 'record: Invalid input: expected object, received string' },
      ],
    });
    expect(await collector.store.queries.byRequestId(String(good.request_id))).toHaveLength(1);
  });

  it('answers 400 with the same body when nothing is valid, and stores nothing', async () => {
    const before = (await collector.store.countRows());
    const response = await postJson(ingestUrl, [{ ...makeRecord(), timestamp: 'yesterday' }, { ...makeRecord(), worker_url: 'ftp://x' }]);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: [
        { index: 0, error: 'timestamp: must be ISO 8601 with an offset (e.g. 2026-01-31T12:00:00Z) or epoch milliseconds' },
        { index: 1, error: 'worker_url: must be an http(s) URL' },
      ],
      error: { code: 'no_valid_records', message: 'all 2 records are invalid' },
    });
    expect((await collector.store.countRows())).toBe(before);
  });

  it('accepts an empty envelope (a proxy reporting drops only)', async () => {
    const response = await postJson(ingestUrl, { records: [], proxy_id: 'proxy-b', dropped: 3 });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ accepted: 0, duplicates: 0, rejected: [] });
  });

  it('rejects malformed JSON with 400 invalid_json', async () => {
    const response = await request(ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"records": [' });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: { code: 'invalid_json', message: 'body is not valid JSON: Unexpected end of JSON input' },
    });
  });

  it('rejects a bad envelope with 400 invalid_batch', async () => {
    expect((await postJson(ingestUrl, { records: 'x' })).json).toEqual({ error: { code: 'invalid_batch', message: 'records: must be an array' } });
    expect((await postJson(ingestUrl, { records: [], dropped: -1 })).json).toEqual({
      error: { code: 'invalid_batch', message: 'dropped: must be an integer from 0 to 1000000000' },
    });
    // JSON primitives are not a batch (express.json strict mode).
    const primitive = await request(ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '42' });
    expect(primitive.status).toBe(400);
    expect(primitive.json).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('rejects a body that is not JSON with 415', async () => {
    const response = await request(ingestUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(response.status).toBe(415);
    expect(response.json).toEqual({
      error: { code: 'unsupported_media_type', message: "Content-Type must be application/json, got 'text/plain'" },
    });
  });

  it('rejects a body over 10 MiB with 413', async () => {
    const huge = JSON.stringify([{ ...makeRecord(), error: 'x'.repeat(11 * 1024 * 1024) }]);
    const response = await request(ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge });
    expect(response.status).toBe(413);
    expect(response.json).toEqual({ error: { code: 'payload_too_large', message: 'body exceeds the limit of 10485760 bytes' } });
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const response = await request(ingestUrl, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, POST');
    expect(response.json).toEqual({ error: { code: 'method_not_allowed', message: 'DELETE is not allowed here; use GET or POST' } });
  });
});

describeEngines('POST /v1/traces with an ingest token', async (engine) => {
  const collector = await startTestCollector({ ingestToken: 's3cret' }, engine);
  const ingestUrl = `${collector.url}/v1/traces`;

  it('answers 401 without the token or with a wrong one, and stores nothing', async () => {
    const missing = await postJson(ingestUrl, makeRecord());
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="routetrace"');
    expect(missing.json).toEqual({ error: { code: 'unauthorized', message: 'missing Authorization: Bearer token' } });

    const wrong = await postJson(ingestUrl, makeRecord(), { authorization: 'Bearer s3cre' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: { code: 'unauthorized', message: 'invalid ingest token' } });
    expect((await collector.store.countRows())).toBe(0);
  });

  it('accepts the right token; reads need none', async () => {
    const record = makeRecord();
    const response = await postJson(ingestUrl, record, { authorization: 'Bearer s3cret' });
    expect(response.json).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await request(`${collector.url}/v1/traces/${String(record.request_id)}`)).status).toBe(200);
  });
});
