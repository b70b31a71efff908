import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// dist/bench/processes.js → dist/
const DIST = join(import.meta.dirname, '..');
export const BIN = {
  collector: join(DIST, 'collector/main.js'),
  proxy: join(DIST, 'proxy/main.js'),
  sim: join(DIST, 'sim/main.js'),
} as const;

/** The servers' core; the load generator (this process, wrk) runs on the other. */
export const SERVER_CORE = '0';
export const CLIENT_CORE = '1';

export interface Pinned {
  url: string;
  child: ChildProcess;
  /** Peak resident memory (VmHWM) in MB, from /proc. */
  peakRssMb(): number;
  /** A function property, not a method: scenarios pass it around unbound (`stops.push(proxy.stop)`). */
  stop: () => Promise<void>;
}

/**
 * Starts one of routetrace's bins pinned to the server core; resolves on its "listening" line.
 * `binPath` runs another build of it (a before/after comparison).
 */
export function startPinned(binary: keyof typeof BIN, args: string[], binPath: string = BIN[binary], nodeArgs: string[] = []): Promise<Pinned> {
  return startPinnedScript(binary, binPath, args, nodeArgs);
}

/** `--import` this into a bin to read its event-loop stalls at 1 ms resolution with readLoopProbe. */
export const LOOP_PROBE = join(DIST, 'bench/loop-probe.js');

export interface LoopProbe {
  /** Longest gap between 1 ms ticks since the previous read: a stall of S ms reads S to S + 1. */
  max_ms: number;
  p99_ms: number;
  ticks: number;
}

/** Asks a process started with `--import LOOP_PROBE` for its longest stall since the last ask (and resets it). */
export function readLoopProbe(child: ChildProcess): Promise<LoopProbe> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString();
      const match = /\{"loop_probe":(\{[^}]*\})\}/.exec(pending);
      if (match?.[1] === undefined) return;
      done();
      resolve(JSON.parse(match[1]) as LoopProbe);
    };
    const onExit = (): void => {
      done();
      reject(new Error('the probed process exited before answering'));
    };
    const done = (): void => {
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.kill('SIGUSR2');
  });
}

/**
 * Starts a Node script pinned to the server core; resolves on the first `"url":"http://…"` it
 * prints (routetrace's bins log it in their "listening" line; the bench baselines print it).
 */
export async function startPinnedScript(binary: string, script: string, args: string[], nodeArgs: string[] = []): Promise<Pinned> {
  // Default log level (info): lifecycle lines only, among them the "listening" line awaited here.
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, ...nodeArgs, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${binary} did not start: ${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${binary} exited with ${code}: ${output}`)));
  });
  return {
    url,
    child,
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Pins this process (all its threads) to the client core. */
export function pinSelf(): void {
  spawn('taskset', ['-a', '-cp', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' });
}
