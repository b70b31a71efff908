import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlags, type FlagSpec } from '#shared/cli/flags.js';
import { request } from '../helpers/http.js';
import { spawnBinary } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const SPECS: readonly FlagSpec[] = [
  { name: 'port', kind: 'integer', env: 'TEST_PORT', default: 30010, min: 0, max: 65535, description: 'a port' },
  { name: 'workers', kind: 'list', env: 'TEST_WORKERS', default: ['a'], description: 'a list' },
  { name: 'trace', kind: 'boolean', env: 'TEST_TRACE', default: true, description: 'a switch' },
];

describe('where a flag value comes from', () => {
  it('takes the default when neither the command line nor the environment sets it', () => {
    const { values } = parseFlags(SPECS, [], {});
    expect([values.number('port'), values.list('workers'), values.boolean('trace')]).toEqual([30010, ['a'], true]);
  });

  it('takes the environment over the default', () => {
    const { values } = parseFlags(SPECS, [], { TEST_PORT: '1', TEST_WORKERS: 'b,c', TEST_TRACE: 'off' });
    expect([values.number('port'), values.list('workers'), values.boolean('trace')]).toEqual([1, ['b', 'c'], false]);
  });

  it('takes the command line over the environment', () => {
    const { values } = parseFlags(SPECS, ['--port', '2', '--workers', 'd', '--trace'], { TEST_PORT: '1', TEST_WORKERS: 'b,c', TEST_TRACE: 'off' });
    expect([values.number('port'), values.list('workers'), values.boolean('trace')]).toEqual([2, ['d'], true]);
  });

  it('routetrace-collector opens the --db file when ROUTETRACE_DB names another one', async () => {
    const dir = tempDir();
    const collector = await spawnBinary('collector', ['--port', '0', '--db', join(dir, 'from-flag.db')], { ROUTETRACE_DB: join(dir, 'from-env.db') });
    const health = await request(`${collector.url}/health`);
    expect(health.json).toEqual({ status: 'ok', version: '0.1.0', uptime_seconds: expect.any(Number), retained_traces: 0, total_requests: 0, database: join(dir, 'from-flag.db'), storage: { ok: true, problem: null, last_write: null } });
    collector.child.kill('SIGTERM');
    expect(await collector.exited).toBe(0);
  });
});
