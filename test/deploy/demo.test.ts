import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { StoredTrace, TraceStats } from '#shared/api-types.js';
import { request } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

const DEMO = join(import.meta.dirname, '../../dist/demo/main.js');

describe('npm run demo', () => {
  it('starts, serves traces and stats, writes a database sqlite3 can read, and stops cleanly on SIGINT', async () => {
    const db = join(tempDir(), 'demo.db');
    const child = spawn(process.execPath, [DEMO, '--proxy-port', '0', '--collector-port', '0', '--worker-ports', '0', '0', '--db', db, '--requests', '12'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const proxyUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /proxy (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (output.includes('demo ready') && match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
    });
    expect(output).toContain(`curl -s ${proxyUrl}/v1/traces/stats`);
    expect(output).toContain(`sqlite3 -readonly -header -column ${db}`);
    // The printed dashboard URL serves the page.
    const dashboardUrl = /dashboard: (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    expect(dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard\/$/);
    const dashboard = await request(dashboardUrl);
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('<title>routetrace dashboard</title>');

    const stats = (await request(`${proxyUrl}/v1/traces/stats`)).json as TraceStats;
    expect(stats.total_requests).toBe(12);
    expect(stats.requests_per_status).toEqual({ completed: 12 });
    const traces = (await request(`${proxyUrl}/v1/traces?limit=100`)).json as StoredTrace[];
    expect(traces.map((trace) => trace.request_id).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `demo-${String(i + 1).padStart(4, '0')}`));
    expect(traces.filter((trace) => trace.stream === true)).toHaveLength(6);

    // A second reader of the live file, as `sqlite3 -readonly` would be.
    const reader = new Database(db, { readonly: true });
    const rows = reader.prepare('SELECT node_id, count(*) AS n FROM traces GROUP BY node_id').all() as Array<{ node_id: string; n: number }>;
    reader.close();
    expect(rows.reduce((sum, row) => sum + row.n, 0)).toBe(12);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('demo stopped: every record flushed, database closed.');
  });
});
