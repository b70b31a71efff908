import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newPostgresDatabase, POSTGRES_ADMIN_URL } from '../helpers/collector.js';
import { request } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/temp.js';

const BIN = join(import.meta.dirname, '../../dist/collector/main.js');
const dir = tempDir();

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('routetrace-collector command line', () => {
  it('exits 2 with one line naming a bad flag or value', () => {
    expect(run(['--bogus'])).toEqual({ status: 2, stdout: '', stderr: 'routetrace-collector: unknown flag --bogus (see --help)\n' });
    expect(run(['--port', 'http'])).toEqual({ status: 2, stdout: '', stderr: "routetrace-collector: --port: expected an integer from 0 to 65535, got 'http'\n" });
    expect(run(['--max-trace-entries', '0'])).toEqual({
      status: 2, stdout: '', stderr: "routetrace-collector: --max-trace-entries: expected an integer from 1 to 1000000000, got '0'\n",
    });
    expect(run(['--trace-ttl'])).toEqual({ status: 2, stdout: '', stderr: 'routetrace-collector: --trace-ttl: expected an integer from 1 to 315360000\n' });
    expect(run([], { ROUTETRACE_RETENTION_INTERVAL: 'soon' })).toEqual({
      status: 2, stdout: '', stderr: "routetrace-collector: ROUTETRACE_RETENTION_INTERVAL (--retention-interval): expected an integer from 1 to 86400, got 'soon'\n",
    });
  });

  it('prints --help with every flag, its default and its environment variable', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--host HOST', '--port PORT', '--db PATH|URL', '--max-trace-entries N', '--trace-ttl SECONDS', '--retention-interval SECONDS', '--max-clock-skew SECONDS', '--ingest-token TOKEN']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('(default: 1000000)');
    expect(help.stdout).toContain('env: ROUTETRACE_MAX_CLOCK_SKEW');
    expect(help.stdout).toContain('env: ROUTETRACE_INGEST_TOKEN');
  });

  it('serves, then stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--db', join(dir, 'cli.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await request(`${url}/health`)).json).toMatchObject({ status: 'ok', retained_traces: 0 });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a malformed or incomplete PostgreSQL URL with one line and exit 1, never showing the password', () => {
    expect(run(['--db', 'postgres://user:topsecret@host:notaport/db'])).toEqual({
      status: 1, stdout: '', stderr: 'routetrace-collector: --db postgres://… is not a valid PostgreSQL URL (expected postgres://user:password@host:5432/dbname)\n',
    });
    expect(run([], { ROUTETRACE_DB: 'postgresql://user:topsecret@127.0.0.1:5432' })).toEqual({
      status: 1, stdout: '', stderr: 'routetrace-collector: --db postgresql://user:***@127.0.0.1:5432 names no database (expected postgres://user:password@host:5432/dbname)\n',
    });
  });

  it('exits 1 with one line naming the server (password hidden) when PostgreSQL cannot be reached at start', async () => {
    const port = await freePort();
    expect(run(['--db', `postgres://routetrace:topsecret@127.0.0.1:${port}/traces`])).toEqual({
      status: 1,
      stdout: '',
      stderr: `routetrace-collector: cannot use PostgreSQL at postgres://routetrace:***@127.0.0.1:${port}/traces: PostgreSQL connection failed: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    });
  });

  it.skipIf(POSTGRES_ADMIN_URL === '')('serves from PostgreSQL named by ROUTETRACE_DB; logs and /health show the URL without its password', async () => {
    const dbUrl = await newPostgresDatabase();
    const child = spawn(process.execPath, [BIN, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROUTETRACE_DB: dbUrl } });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const redacted = dbUrl.replace(':db-secret-pw@', ':***@');
    expect(output).toContain(`"db":"${redacted}"`);
    const health = (await request(`${url}/health`)).json;
    expect(health).toMatchObject({ status: 'ok', retained_traces: 0, database: redacted });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output + JSON.stringify(health)).not.toContain('db-secret-pw');
  });
});
