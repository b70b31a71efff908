import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

const root = join(import.meta.dirname, '../..');

describe('installed from a packed tarball (npm pack)', () => {
  it('provides working routetrace, routetrace-collector and routetrace-proxy commands and the client export', async () => {
    const dir = tempDir('routetrace-pack-');
    // --ignore-scripts: `npm test` built dist/ already; rebuilding it here would race the other
    // test files that run binaries from dist/.
    const tarball = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // --ignore-scripts, then the addon this checkout's `npm ci` compiled: the same install
    // without the ~60 s SQLite compile (CI's npm ci proves that part).
    execFileSync('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: app, stdio: 'pipe' });
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(join(app, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    copyFileSync(join(root, addon), join(app, addon));

    const bin = (name: string): string => join(app, 'node_modules/.bin', name);
    for (const name of ['routetrace', 'routetrace-collector', 'routetrace-proxy']) {
      expect(execFileSync(bin(name), ['--version'], { encoding: 'utf8' })).toBe(`${name} 0.1.0\n`);
    }
    expect(execFileSync(bin('routetrace-proxy'), ['--help'], { encoding: 'utf8' })).toContain('--worker-urls URL [URL ...]');
    const imported = execFileSync(process.execPath, ['--input-type=module', '-e', "const { TraceClient } = await import('routetrace/client'); console.log(typeof TraceClient)"], { cwd: app, encoding: 'utf8' });
    expect(imported).toBe('function\n');

    const child = spawn(bin('routetrace-collector'), ['--port', '0', '--db', join(dir, 'installed.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /"url":"(http:[^"]+)"/.exec(chunk.toString());
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    });
    expect((await request(`${url}/health`)).json).toMatchObject({ status: 'ok', version: '0.1.0' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
