import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_CORE } from './processes.js';

export interface WrkResult {
  requestsPerSec: number;
  /** Requests completed in the run. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

function wrkArgs(wrk: string, url: string, body: string, options: { connections: number; seconds: number; workDir: string }): string[] {
  const script = join(options.workDir, 'post.lua');
  const text = `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`;
  // Rewritten only when it changes: a wrk started just before (startWrk) may be reading it.
  if (!existsSync(script) || readFileSync(script, 'utf8') !== text) writeFileSync(script, text);
  return ['-c', CLIENT_CORE, wrk, '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '-s', script, url];
}

function parseWrk(output: string): WrkResult {
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requestsPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN),
    p50Ms: toMs(/\s50%\s+(\S+)/.exec(output)?.[1] ?? ''),
    p99Ms: toMs(/\s99%\s+(\S+)/.exec(output)?.[1] ?? ''),
    errors: Number(errors ?? 0) + (socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0)),
  };
}

/** wrk on the client core: POSTs `body` to `url` over `connections` keep-alive connections. */
export function runWrk(wrk: string, url: string, body: string, options: { connections: number; seconds: number; workDir: string }): WrkResult {
  return parseWrk(execFileSync('taskset', wrkArgs(wrk, url, body, options), { encoding: 'utf8' }));
}

/** The same, without blocking: several wrk runs at once (one per contender, measured side by side). */
export function startWrk(wrk: string, url: string, body: string, options: { connections: number; seconds: number; workDir: string }): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile('taskset', wrkArgs(wrk, url, body, options), { encoding: 'utf8' }, (error, stdout) => (error === null ? resolve(parseWrk(stdout)) : reject(new Error('wrk failed', { cause: error }))));
  });
}
