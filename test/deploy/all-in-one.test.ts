import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { postJson, request } from '../helpers/http.js';
import { startWorkers } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';

const BIN = join(import.meta.dirname, '../../dist/all-in-one/main.js');

describe('npm start (routetrace, all in one)', () => {
  it('explains in two lines what to pass when no upstream is given', () => {
    const result = spawnSync(process.execPath, [BIN], { encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr:
        'routetrace: nothing to route to: give --worker-urls URL [URL ...] (your SGLang workers) or --router-url URL (your sgl-router).\n' +
        'To try routetrace without GPUs, run: npm run demo\n',
    });
  });

  it('runs proxy and collector in one process and flushes every record on SIGTERM', async () => {
    const [worker] = await startWorkers(1);
    const db = join(tempDir(), 'all.db');
    const child = spawn(process.execPath, [BIN, '--port', '0', '--collector-port', '0', '--db', db, '--worker-urls', String(worker?.url)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const proxyUrl = await new Promise<string>((resolve) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:[^"]+)","mode"/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    });
    for (let i = 0; i < 5; i++) expect((await postJson(`${proxyUrl}/generate`, { text: 'hi', sampling_params: { max_new_tokens: 1 } }, { 'x-request-id': `aio-${i}` })).status).toBe(200);
    expect((await request(`${proxyUrl}/health`)).json).toMatchObject({ status: 'ok', healthy_workers: 1 });

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Stopped right after the requests: the final flush put every record in the file.
    const reader = new Database(db, { readonly: true });
    expect(reader.prepare('SELECT request_id FROM traces ORDER BY request_id').pluck().all()).toEqual(['aio-0', 'aio-1', 'aio-2', 'aio-3', 'aio-4']);
    reader.close();
  });
});
