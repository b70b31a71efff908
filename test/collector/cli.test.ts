import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../helpers/http.js';
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
    for (const flag of ['--host HOST', '--port PORT', '--db PATH', '--max-trace-entries N', '--trace-ttl SECONDS', '--retention-interval SECONDS', '--max-clock-skew SECONDS', '--ingest-token TOKEN']) {
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
});
