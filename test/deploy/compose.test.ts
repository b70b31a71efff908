import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COLLECTOR_FLAGS } from '../../collector/options.js';
import { PROXY_FLAGS } from '../../proxy/options.js';
import type { FlagSpec } from '#shared/cli/flags.js';
import { isRecord } from '#shared/guards.js';

const root = join(import.meta.dirname, '../..');
const compose: unknown = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const simFlags = ['host', 'port', 'name', 'model', 'realistic', 'first-token-base-ms', 'prefill-ms-per-token', 'decode-tokens-per-sec', 'max-running-requests', 'cache-capacity-tokens', 'enable-cache-report', 'fail-rate', 'hang', 'drop-after-tokens', 'unhealthy'];

function service(name: string): Record<string, unknown> {
  const services = isRecord(compose) && isRecord(compose.services) ? compose.services : {};
  const found = services[name];
  if (!isRecord(found)) throw new Error(`no service ${name}`);
  return found;
}
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const env = (svc: Record<string, unknown>): Record<string, string> => (isRecord(svc.environment) ? Object.fromEntries(Object.entries(svc.environment).map(([k, v]) => [k, String(v)])) : {});

/** Every --flag in a command must be one the tool declares (booleans may take --no-). */
function unknownFlags(command: string[], known: readonly string[]): string[] {
  return command.filter((word) => word.startsWith('--')).map((word) => word.slice(2)).filter((name) => !known.includes(name) && !known.includes(name.replace(/^no-/, '')));
}
const names = (flags: readonly FlagSpec[]): string[] => flags.map((flag) => flag.name);
const envNames = (flags: readonly FlagSpec[]): string[] => flags.flatMap((flag) => (flag.env === undefined ? [] : [flag.env]));

describe('docker-compose.yml, parsed as YAML (Docker is not run)', () => {
  it('declares a collector service: an existing dist/collector/main.js with known flags and variables, port 30010, its database on the named volume traces', () => {
    const collector = service('collector');
    const command = strings(collector.command);
    expect(command.slice(0, 2)).toEqual(['node', 'dist/collector/main.js']);
    expect(existsSync(join(root, command[1] ?? ''))).toBe(true);
    expect(unknownFlags(command, names(COLLECTOR_FLAGS))).toEqual([]);
    expect(command.join(' ')).toContain('--host 0.0.0.0 --port 30010 --db /data/routetrace.db');
    expect(collector.ports).toEqual(['30010:30010']);
    expect(collector.volumes).toEqual(['traces:/data']);
    expect(isRecord(compose) && isRecord(compose.volumes) ? Object.keys(compose.volumes) : []).toContain('traces');
    const unknownEnv = Object.keys(env(collector)).filter((name) => !envNames(COLLECTOR_FLAGS).includes(name) && name !== 'ROUTETRACE_HEALTH_URL');
    expect(unknownEnv).toEqual([]);
  });

  it('declares a proxy service: dist/proxy/main.js with known flags and variables, 0.0.0.0:30009, --collector-url http://collector:30010, depending on the collector being healthy', () => {
    const proxy = service('proxy');
    const command = strings(proxy.command);
    expect(command.slice(0, 2)).toEqual(['node', 'dist/proxy/main.js']);
    expect(unknownFlags(command, names(PROXY_FLAGS))).toEqual([]);
    expect(command.join(' ')).toContain('--host 0.0.0.0 --port 30009 --collector-url http://collector:30010');
    expect(proxy.ports).toEqual(['30009:30009']);
    expect(proxy.depends_on).toEqual({ collector: { condition: 'service_healthy' } });
    const variables = env(proxy);
    expect(Object.keys(variables).filter((name) => !envNames(PROXY_FLAGS).includes(name) && name !== 'ROUTETRACE_HEALTH_URL')).toEqual([]);
    expect(variables.ROUTETRACE_WORKER_URLS).toBe('http://worker-0:30001 http://worker-1:30002');
  });

  it('declares a demo profile of simulated workers and a gpu profile of SGLang workers, both reachable as worker-0/worker-1', () => {
    for (const [name, alias, port] of [['sim-worker-0', 'worker-0', '30001'], ['sim-worker-1', 'worker-1', '30002']] as const) {
      const sim = service(name);
      expect(sim.profiles).toEqual(['demo']);
      const command = strings(sim.command);
      expect(command.slice(0, 2)).toEqual(['node', 'dist/sim/main.js']);
      expect(unknownFlags(command, simFlags)).toEqual([]);
      expect(command.join(' ')).toContain(`--port ${port}`);
      expect(sim.networks).toEqual({ default: { aliases: [alias] } });
    }
    for (const [name, alias, gpu] of [['sglang-worker-0', 'worker-0', '0'], ['sglang-worker-1', 'worker-1', '1']] as const) {
      const worker = service(name);
      expect(worker.profiles).toEqual(['gpu']);
      expect(worker.image).toBe('lmsysorg/sglang:latest');
      const command = strings(worker.command).join(' ');
      expect(command).toMatch(/^python3 -m sglang\.launch_server --model-path \S+ --host 0\.0\.0\.0 --port 3000[12] --enable-cache-report$/);
      expect(worker.deploy).toEqual({ resources: { reservations: { devices: [{ driver: 'nvidia', device_ids: [gpu], capabilities: ['gpu'] }] } } });
      expect(worker.networks).toEqual({ default: { aliases: [alias] } });
    }
  });
});

describe('docker-compose.yml: the postgres profile', () => {
  it('declares PostgreSQL from the official image with its data on the named volume pgdata, and a collector pointed at it once it is healthy', () => {
    const postgres = service('postgres');
    expect(postgres.profiles).toEqual(['postgres']);
    expect(postgres.image).toMatch(/^postgres:\d+$/);
    expect(postgres.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
    expect(isRecord(compose) && isRecord(compose.volumes) ? Object.keys(compose.volumes) : []).toContain('pgdata');
    const database = env(postgres);
    expect({ user: database.POSTGRES_USER, db: database.POSTGRES_DB }).toEqual({ user: 'routetrace', db: 'routetrace' });

    const collector = service('collector-postgres');
    expect(collector.profiles).toEqual(['postgres']);
    const command = strings(collector.command);
    expect(command.slice(0, 2)).toEqual(['node', 'dist/collector/main.js']);
    expect(unknownFlags(command, names(COLLECTOR_FLAGS))).toEqual([]);
    expect(collector.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    const variables = env(collector);
    expect(Object.keys(variables).filter((name) => !envNames(COLLECTOR_FLAGS).includes(name) && name !== 'ROUTETRACE_HEALTH_URL')).toEqual([]);
    // The URL the collector gets names the postgres service, its user and database.
    expect(variables.ROUTETRACE_DB).toBe('postgres://routetrace:${POSTGRES_PASSWORD:-routetrace}@postgres:5432/routetrace');
    expect(collector.ports).toEqual(['30011:30010']);
  });
});

describe('Dockerfile', () => {
  it('(text check) is multi-stage on Node 24, runs as a non-root user, names a healthcheck and commands that exist in dist/', () => {
    expect(dockerfile.match(/^FROM node:24\.\d+-bookworm-slim/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "dist\/shared\/cli\/healthcheck\.js"\]$/m);
    expect(existsSync(join(root, 'dist/shared/cli/healthcheck.js'))).toBe(true);
    expect(existsSync(join(root, 'dist/all-in-one/main.js'))).toBe(true);
    // Every source folder the build needs is copied in.
    for (const folder of ['shared', 'collector', 'proxy', 'all-in-one', 'demo', 'sim']) expect(dockerfile).toContain(`COPY ${folder} ${folder}`);
  });
});
