import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startCollector } from '../../collector/collector.js';
import { sqliteStoreOf, startTestCollector } from '../helpers/collector.js';
import { postJson, request } from '../helpers/http.js';
import { BINARIES } from '../helpers/processes.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();

/** Fills a database with rows big enough to span many pages, then checkpoints them into the main file. */
async function filledDatabase(name: string): Promise<string> {
  const dbPath = join(dir, name);
  const collector = await startCollector({ port: 0, dbPath, retentionIntervalSeconds: 3600 });
  for (let batch = 0; batch < 5; batch++) {
    await postJson(`${collector.url}/v1/traces`, Array.from({ length: 400 }, () => makeRecord({ error: 'e'.repeat(1500) })));
  }
  sqliteStoreOf(collector).raw.pragma('wal_checkpoint(TRUNCATE)');
  await collector.close();
  return dbPath;
}

/** Overwrites the b-tree page headers of the middle of the file (page 1, the schema, stays intact). */
function corruptMiddlePages(dbPath: string): void {
  const pageSize = 4096;
  const pages = Math.floor(statSync(dbPath).size / pageSize);
  const fd = openSync(dbPath, 'r+');
  try {
    for (let page = Math.floor(pages * 0.3); page < Math.floor(pages * 0.7); page++) {
      writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, page * pageSize);
    }
  } finally {
    closeSync(fd);
  }
}

describe('collector storage faults', () => {
  it('answers 503 storage_unavailable at once while another process holds the write lock, and /health says so; reads keep working', async () => {
    const collector = await startTestCollector();
    await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'before-lock' })]);
    const other = new Database(sqliteStoreOf(collector).location);
    other.exec('BEGIN IMMEDIATE');
    try {
      const refused = await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'during-lock' })]);
      expect({ status: refused.status, body: refused.json }).toEqual({
        status: 503,
        body: { error: { code: 'storage_unavailable', message: 'trace store unavailable (SQLITE_BUSY); retry later' } },
      });
      const health = await request(`${collector.url}/health`);
      expect({ status: health.status, body: health.json }).toMatchObject({
        status: 503,
        body: { status: 'unavailable', storage: { ok: false, problem: 'the last write failed (SQLITE_BUSY)', last_write: { ok: false, error: 'SQLITE_BUSY' } } },
      });
      // WAL: the reader thread reads while the lock is held.
      expect((await request(`${collector.url}/v1/traces/before-lock`)).status).toBe(200);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const accepted = await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: 'after-lock' })]);
    expect({ status: accepted.status, body: accepted.json }).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });
    expect((await request(`${collector.url}/health`)).json).toMatchObject({ status: 'ok', storage: { ok: true, problem: null } });
  });

  it('reports an unlinked database file in /health with 503', async () => {
    const dbPath = join(dir, 'unlinked.db');
    const collector = await startTestCollector({ dbPath });
    expect((await request(`${collector.url}/health`)).status).toBe(200);
    rmSync(dbPath);
    const health = await request(`${collector.url}/health`);
    expect({ status: health.status, body: health.json }).toMatchObject({
      status: 503,
      body: { status: 'unavailable', storage: { ok: false, problem: `database file ${dbPath} was deleted while the collector runs; records go to an unlinked file` } },
    });
  });

  it('answers 503 storage_unavailable, not 500, for a read over a corrupt page', async () => {
    const dbPath = await filledDatabase('corrupt-at-runtime.db');
    const collector = await startTestCollector({ dbPath });
    corruptMiddlePages(dbPath);
    const response = await request(`${collector.url}/v1/traces?limit=10000`);
    expect({ status: response.status, body: response.json }).toEqual({
      status: 503,
      body: { error: { code: 'storage_unavailable', message: 'trace store unavailable (SQLITE_CORRUPT); retry later' } },
    });
  });

  it('refuses to start on a database that fails quick_check, naming the file and what to do (exit 1)', async () => {
    const dbPath = await filledDatabase('corrupt-at-start.db');
    corruptMiddlePages(dbPath);
    const child = spawn(process.execPath, [BINARIES.collector, '--port', '0', '--db', dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^routetrace-collector: database ${dbPath.replaceAll('.', '\\.')} is corrupt \\(quick_check: [^\\n]+\\)\\. Stop every process using it, move ${dbPath.replaceAll('.', '\\.')} \\(and its -wal and -shm files\\) aside`));
  });
});
