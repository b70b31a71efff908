import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../dist/proxy/main.js');
const run = (args: string[]): { status: number | null; stderr: string } => {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, stderr: result.stderr };
};

describe('routetrace-proxy command line', () => {
  it('exits 2 with one line naming the problem', () => {
    expect(run([])).toEqual({ status: 2, stderr: 'routetrace-proxy: give --worker-urls URL [URL ...] (routetrace routes) or --router-url URL (in front of sgl-router)\n' });
    expect(run(['--worker-urls', 'http://a:1', '--policy', 'fastest'])).toEqual({
      status: 2, stderr: "routetrace-proxy: --policy: expected one of round_robin, random, cache_aware, power_of_two, got 'fastest'\n",
    });
    expect(run(['--worker-urls', 'localhost:30001'])).toEqual({ status: 2, stderr: "routetrace-proxy: --worker-urls: 'localhost:30001' is not an http(s) URL (use URL or name=URL)\n" });
    expect(run(['--worker-urls', 'http://a:1', 'http://a:1'])).toEqual({ status: 2, stderr: 'routetrace-proxy: --worker-urls: worker URLs must be unique\n' });
    expect(run(['--router-url', 'http://r:1', '--infer-worker', 'round_robin'])).toEqual({ status: 2, stderr: 'routetrace-proxy: --infer-worker: needs --router-url and --worker-urls\n' });
    expect(run(['--worker-urls', 'http://a:1', '--cache-threshold', '2'])).toEqual({ status: 2, stderr: "routetrace-proxy: --cache-threshold: expected a number from 0 to 1, got '2'\n" });
  });

  it('refuses at start, exit 2 and one line, values that would make every record invalid', () => {
    expect(run(['--worker-urls', 'http://a:1', '--proxy-id', 'p'.repeat(257)])).toEqual({ status: 2, stderr: 'routetrace-proxy: --proxy-id: at most 256 characters (the record\'s proxy_id), got 257\n' });
    expect(run(['--worker-urls', `${'n'.repeat(129)}=http://a:1`])).toEqual({ status: 2, stderr: 'routetrace-proxy: --worker-urls: a worker name is at most 128 characters (the record\'s node_id), got 129\n' });
  });

  it('documents every flag with its default and environment variable in --help', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    const flags = [
      'host', 'port', 'worker-urls', 'policy', 'cache-threshold', 'balance-abs-threshold', 'balance-rel-threshold', 'eviction-interval-secs',
      'max-tree-size', 'router-url', 'router-policy', 'worker-header', 'infer-worker', 'collector-url', 'ingest-token', 'request-id-headers',
      'request-timeout-secs', 'max-payload-size', 'health-check-interval-secs', 'load-check-interval-secs', 'proxy-id', 'inject-rid', 'tracing', 'shutdown-grace-secs', 'log-level',
    ];
    for (const flag of flags) expect(help.stdout).toContain(`--${flag === 'inject-rid' || flag === 'tracing' ? `[no-]${flag}` : flag}`);
    expect(help.stdout).toContain('env: ROUTETRACE_WORKER_URLS');
    expect(help.stdout).toContain('(default: x-request-id x-correlation-id x-trace-id request-id)');
    expect(help.stdout).toContain('(default: 1800)');
  });
});
