import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RoutetraceError } from '#shared/errors.js';
import { startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';

const JSON_TYPE = { 'content-type': 'application/json' };

describe('the ingest thread (bodies are decoded, parsed and validated off the event loop)', () => {
  it('fails a body it held when it dies with 503 ingest_unavailable, stores nothing of it, and checks the retry on a new thread', async () => {
    const collector = await startTestCollector();
    const records = Array.from({ length: 200 }, (_, i) => makeRecord({ request_id: `held-${i}` }));
    const body = new TextEncoder().encode(JSON.stringify(records));

    // Sent, then the thread is stopped as a crash would stop it, before it can answer.
    const checking = collector.checker.check(body, 'utf-8', Date.now());
    const stopping = collector.checker.terminate();
    const failure: unknown = await checking.then(() => undefined, (error: unknown) => error);
    await stopping;
    expect(failure).toBeInstanceOf(RoutetraceError);
    expect(failure).toMatchObject({ code: 'ingest_unavailable', status: 503 });
    expect(await collector.store.countRows()).toBe(0);

    // The proxy retries the batch: a new thread checks it and every record is stored once.
    const retried = await postJson(`${collector.url}/v1/traces`, records);
    expect({ status: retried.status, body: retried.json }).toEqual({ status: 200, body: { accepted: 200, duplicates: 0, rejected: [] } });
    expect(await collector.store.countRows()).toBe(200);
    expect((await request(`${collector.url}/health`)).json).toMatchObject({ status: 'ok', retained_traces: 200, storage: { ok: true } });
  });

  it('reads gzip bodies and UTF-16 bodies with a byte order mark, and refuses a charset that is not UTF with 415', async () => {
    const collector = await startTestCollector();
    const url = `${collector.url}/v1/traces`;
    const gzipped = await request(url, {
      method: 'POST',
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify([makeRecord({ request_id: 'gzip-1' })])),
    });
    expect({ status: gzipped.status, body: gzipped.json }).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });

    const utf16 = Buffer.from(`\ufeff${JSON.stringify([makeRecord({ request_id: 'utf16-1', model: 'modèle-ü' })])}`, 'utf16le');
    const wide = await request(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16le' }, body: utf16 });
    expect({ status: wide.status, body: wide.json }).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });
    expect((await request(`${url}/utf16-1`)).json).toMatchObject({ request_id: 'utf16-1', model: 'modèle-ü' });

    const latin1 = await request(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: Buffer.from('[]') });
    expect({ status: latin1.status, body: latin1.json }).toEqual({
      status: 415,
      body: { error: { code: 'unsupported_media_type', message: 'unsupported charset "LATIN1"; JSON must be UTF-8 (or UTF-16)' } },
    });
    expect(await collector.store.countRows()).toBe(2);
  });

  it('answers a body of only whitespace, and a JSON value that is not an object or array, with 400 invalid_json saying what it found', async () => {
    const collector = await startTestCollector();
    const url = `${collector.url}/v1/traces`;
    const blank = await request(url, { method: 'POST', headers: JSON_TYPE, body: ' \n ' });
    expect({ status: blank.status, body: blank.json }).toEqual({
      status: 400,
      body: { error: { code: 'invalid_json', message: 'body is not valid JSON: expected an object or an array, found only whitespace' } },
    });
    const scalar = await request(url, { method: 'POST', headers: JSON_TYPE, body: '  42' });
    expect({ status: scalar.status, body: scalar.json }).toEqual({
      status: 400,
      body: { error: { code: 'invalid_json', message: 'body is not valid JSON: expected an object or an array, found "42" at position 2' } },
    });
  });
});
