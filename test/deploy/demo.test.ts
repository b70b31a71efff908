import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { StoredTrace, TraceStats } from '#shared/api-types.js';
import { startDemo } from '../helpers/demo.js';
import { request } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

describe('npm run demo', () => {
  it('starts, serves traces and stats, writes a database sqlite3 can read, and stops cleanly on SIGINT', async () => {
    const db = join(tempDir(), 'demo.db');
    const demo = await startDemo(['--proxy-port', '0', '--collector-port', '0', '--worker-ports', '0', '0', '--db', db, '--requests', '12']);
    const { proxyUrl } = demo;
    const output = demo.output();
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

    expect(await demo.stop()).toBe(0);
    expect(demo.output()).toContain('demo stopped: every record flushed, database closed.');
  });

  it('keeps the records of earlier runs and says so; --fresh starts from an empty database', async () => {
    const db = join(tempDir(), 'demo.db');
    const run = async (extra: string[]): Promise<{ output: string; stats: TraceStats }> => {
      const demo = await startDemo(['--proxy-port', '0', '--collector-port', '0', '--worker-ports', '0', '0', '--db', db, '--requests', '4', ...extra]);
      const stats = (await request(`${demo.proxyUrl}/v1/traces/stats`)).json as TraceStats;
      expect(await demo.stop()).toBe(0);
      return { output: demo.output(), stats };
    };

    const first = await run([]);
    expect(first.output).not.toContain('already held');
    expect(first.stats.active_traces).toBe(4);

    const second = await run([]);
    expect(second.output).toContain('the database already held 4 records from earlier runs; the figures include them (--fresh starts empty)');
    expect(second.stats.active_traces).toBe(8);

    const fresh = await run(['--fresh']);
    expect(fresh.output).not.toContain('already held');
    expect(fresh.stats.active_traces).toBe(4);
    expect(fresh.stats.total_requests).toBe(4);
  });
});
