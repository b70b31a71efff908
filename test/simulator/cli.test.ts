import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';

const BIN = join(import.meta.dirname, '../../dist/sim/main.js');

describe('npm run sim', () => {
  it('lists its options in --help and exits 2 on a bad one', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of ['--port PORT', '--name NAME', '--realistic', '--decode-tokens-per-sec N', '--max-running-requests N', '--fail-rate P', '--hang', '--drop-after-tokens N', '--unhealthy']) {
      expect(help.stdout).toContain(flag);
    }
    const bad = spawnSync(process.execPath, [BIN, '--fail-rate', '2'], { encoding: 'utf8' });
    expect({ status: bad.status, stderr: bad.stderr }).toEqual({ status: 2, stderr: "routetrace-sim: --fail-rate: expected a number from 0 to 1, got '2'\n" });
  });

  it('starts a worker that answers /generate, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--name', 'worker-7'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /"url":"([^"]+)"/.exec(chunk.toString());
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    });
    const response = await postJson(`${url}/generate`, { text: 'hi', sampling_params: { max_new_tokens: 2 }, rid: 'cli-1' });
    expect(response.json).toMatchObject({ meta_info: { id: 'cli-1', completion_tokens: 2 } });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
