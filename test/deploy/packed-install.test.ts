import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../helpers/http.js';
import { tempDir } from '../helpers/temp.js';

const root = join(import.meta.dirname, '../..');

describe('installed from a packed tarball (npm pack)', () => {
  it('provides working routetrace, routetrace-collector, routetrace-proxy, routetrace-sim and routetrace-demo commands, the client export and the Apache-2.0 LICENSE', async () => {
    const dir = tempDir('routetrace-pack-');
    // --ignore-scripts: `npm test` built dist/ already; rebuilding it here would race the other
    // test files that run binaries from dist/.
    const tarball = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // A plain install, as a user runs it: better-sqlite3 13 ships its N-API binaries, so
    // nothing is compiled and no install script needs to run.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: app, stdio: 'pipe' });

    const bin = (name: string): string => join(app, 'node_modules/.bin', name);
    for (const name of ['routetrace', 'routetrace-collector', 'routetrace-proxy', 'routetrace-sim', 'routetrace-demo']) {
      expect(execFileSync(bin(name), ['--version'], { encoding: 'utf8' })).toBe(`${name} 0.1.0\n`);
    }
    expect(execFileSync(bin('routetrace-proxy'), ['--help'], { encoding: 'utf8' })).toContain('--worker-urls URL [URL ...]');
    const imported = execFileSync(process.execPath, ['--input-type=module', '-e', "const { TraceClient } = await import('routetrace/client'); console.log(typeof TraceClient)"], { cwd: app, encoding: 'utf8' });
    expect(imported).toBe('function\n');
    // package.json says Apache-2.0; the package carries the license's full text.
    expect(readFileSync(join(app, 'node_modules/routetrace/LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004');

    const child = spawn(bin('routetrace-collector'), ['--port', '0', '--db', join(dir, 'installed.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /"url":"(http:[^"]+)"/.exec(chunk.toString());
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    });
    expect((await request(`${url}/health`)).json).toMatchObject({ status: 'ok', version: '0.1.0' });
    // The dashboard's built assets ship in the package (`files`: dist/dashboard).
    const page = await request(`${url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="module" src="app.js"></script>');
    for (const asset of ['app.js', 'app.css']) {
      const response = await request(`${url}/dashboard/${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.text.length, asset).toBeGreaterThan(1000);
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
