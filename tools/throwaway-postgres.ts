import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The unprivileged account the server runs as when we are root (PostgreSQL refuses root). */
const SERVER_USER = 'routetrace-pg';

export interface ThrowawayPostgres {
  /** The superuser's URL to the `postgres` database (trust authentication: every password is accepted). */
  readonly url: string;
  readonly port: number;
  /** A fresh, empty database; its URL carries `password` (ignored by trust auth) so redaction can be tested. */
  createDatabase(name: string, password?: string): Promise<string>;
  /** Stops the server (`immediate`: as a crash or a lost host would), keeping its data. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

/** The folder holding initdb and pg_ctl: PATH first, then Debian's /usr/lib/postgresql/<major>/bin. */
export function findPostgresBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir !== '' && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const majors = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) if (existsSync(join(debian, major, 'bin', 'initdb'))) return join(debian, major, 'bin');
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Creates the server account once (root only). */
async function ensureServerUser(): Promise<void> {
  try {
    await run('id', ['-u', SERVER_USER]);
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER]).catch(async (error: unknown) => {
      // Two processes creating it at once: the loser finds it made.
      await run('id', ['-u', SERVER_USER]).catch(() => Promise.reject(error instanceof Error ? error : new Error(String(error))));
    });
  }
}

/** Runs a PostgreSQL tool as the server account when we are root, else as ourselves. */
function asServerUser(bin: string, tool: string, args: string[], cpus?: string): Promise<{ stdout: string; stderr: string }> {
  const command = [...(cpus === undefined ? [] : ['taskset', '-c', cpus]), join(bin, tool), ...args];
  const [file = '', ...rest] = isRoot() ? ['runuser', '-u', SERVER_USER, '--', ...command] : command;
  return run(file, rest);
}

export interface ThrowawayOptions {
  /** fsync and synchronous_commit as a real server has them (the bench); tests turn them off. Default: false. */
  durable?: boolean;
  /** CPUs the server may run on (`taskset -c` list), e.g. the bench's server core. Default: all of them. */
  cpus?: string;
}

/**
 * A PostgreSQL server of its own: initdb into a temp folder, pg_ctl start on a free loopback
 * port (as an unprivileged account when running as root), removed by `remove()`. Used by the
 * tests (one per vitest run) and by the bench.
 */
export async function startThrowawayPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('initdb not found (install the postgresql package)');
  if (isRoot()) await ensureServerUser();
  const dir = mkdtempSync(join(tmpdir(), 'routetrace-pg-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const { stdout } = await run('id', ['-u', SERVER_USER]);
    const { stdout: gid } = await run('id', ['-g', SERVER_USER]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await asServerUser(bin, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const settings = [
    `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=200',
    ...(options.durable === true ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  const start = async (): Promise<void> => {
    // The server's processes inherit pg_ctl's CPU affinity.
    await asServerUser(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start'], options.cpus);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    await asServerUser(bin, 'pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']).catch(() => undefined);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    async createDatabase(name, password = 'not-the-real-one') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    stop,
    start,
    async remove() {
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
