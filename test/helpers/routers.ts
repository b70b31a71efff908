import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterAll } from 'vitest';
import { tempDir } from './temp.js';

/** The path of an installed binary (PATH, then the sbin folders apt uses), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.map((dir) => join(dir, name)).find((path) => path !== name && existsSync(path));
}

/** Resolves once something accepts TCP connections on the port (polls; no fixed sleep). */
async function waitForPort(port: number, exited: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (exited()) throw new Error(`${what} exited before listening on ${port}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs a router binary in the foreground until the test file ends; resolves once `port` accepts. */
async function runRouter(binary: string, args: string[], port: number, what: string): Promise<void> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exitedPromise;
    }
  });
  try {
    await waitForPort(port, () => child.exitCode !== null, what);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}: ${stderr}`, { cause: error });
  }
}

/**
 * nginx in front of `upstreams`, naming the serving worker in `X-Upstream` ($upstream_addr:
 * a list after a retry). `servers` lines go into the upstream block as written (weights,
 * `backup`, `max_fails=0`).
 */
export async function startNginx(nginx: string, port: number, servers: string[]): Promise<string> {
  const prefix = tempDir('routetrace-nginx-');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream sglang {
${servers.map((line) => `    server ${line};`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sglang;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`,
  );
  await runRouter(nginx, ['-p', prefix, '-e', join(prefix, 'logs/error.log'), '-c', conf], port, 'nginx');
  return `http://127.0.0.1:${port}`;
}

/** HAProxy round robin over `workers`, naming the serving worker in `X-Upstream` (%si:%sp). */
export async function startHaproxy(haproxy: string, port: number, workers: string[]): Promise<string> {
  const dir = tempDir('routetrace-haproxy-');
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(
    conf,
    `global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend sglang_in
  bind 127.0.0.1:${port}
  default_backend sglang
backend sglang
  balance roundrobin
  http-response set-header X-Upstream %si:%sp
${workers.map((url, i) => `  server w${i} ${new URL(url).host}`).join('\n')}
`,
  );
  await runRouter(haproxy, ['-db', '-f', conf], port, 'haproxy');
  return `http://127.0.0.1:${port}`;
}

/**
 * An SGLang Model Gateway stand-in: round robin over `workers` for POSTs, naming the serving
 * worker as smg does, `x-smg-routed-worker-id: <worker URL>@<dp rank>` (the rank is the
 * worker's index here).
 */
export async function startSmgStandIn(workers: readonly string[]): Promise<string> {
  let next = 0;
  const server = createServer((req, res) => {
    const index = req.method === 'POST' ? next++ % workers.length : 0;
    const worker = workers[index] ?? '';
    const upstream = httpRequest(`${worker}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-smg-routed-worker-id': `${worker}@${index}` });
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
