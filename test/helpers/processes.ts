import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { killAfterFile } from './child-cleanup.js';

const DIST = join(import.meta.dirname, '../../dist');
export const BINARIES = {
  collector: join(DIST, 'collector/main.js'),
  proxy: join(DIST, 'proxy/main.js'),
  sim: join(DIST, 'sim/main.js'),
  allInOne: join(DIST, 'all-in-one/main.js'),
} as const;

export interface RunningProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
}

/**
 * Runs one of the bins and waits for its first "listening" line (`"url":"http://…"`).
 * `nodeFlags` go before the script (e.g. `--expose-gc`).
 */
export async function spawnBinary(binary: keyof typeof BINARIES, args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<RunningProcess> {
  const child = spawn(process.execPath, [...nodeFlags, BINARIES[binary], ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  killAfterFile(child);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`${binary} exited with ${code} before listening: ${output}`)));
  });
  return { url, child, exited, output: () => output };
}

/** SGLang-style soak scaling: `npm run soak` sets SOAK=1 for the long versions. */
export const SOAK = process.env.SOAK === '1';
