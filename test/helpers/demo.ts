import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { killAfterFile } from './child-cleanup.js';

const DEMO = join(import.meta.dirname, '../../dist/demo/main.js');

export interface RunningDemo {
  proxyUrl: string;
  collectorUrl: string;
  /** Everything the demo printed so far, stdout and stderr. */
  output(): string;
  /** Sends SIGINT and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs the built demo (`dist/demo/main.js`) and resolves once it printed "demo ready", with the
 * proxy and collector URLs read from its first line. Killed after the test file if still running.
 */
export async function startDemo(args: readonly string[], cwd?: string): Promise<RunningDemo> {
  const child = spawn(process.execPath, [DEMO, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  killAfterFile(child);
  const urls = await new Promise<{ proxyUrl: string; collectorUrl: string }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /proxy (http:\/\/127\.0\.0\.1:\d+) .*; collector (http:\/\/127\.0\.0\.1:\d+);/.exec(output);
      if (output.includes('demo ready') && match?.[1] !== undefined && match[2] !== undefined) resolve({ proxyUrl: match[1], collectorUrl: match[2] });
    });
    void exited.then((code) => reject(new Error(`demo exited with ${code}: ${output}`)));
  });
  return {
    ...urls,
    output: () => output,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
