import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_CORE } from './processes.js';

/** nginx as a plain keep-alive reverse proxy in front of `upstream`, pinned to the server core. */
export async function startNginx(nginx: string, upstream: string, port: number, workDir: string): Promise<{ url: string; pids: () => number[]; stop: () => Promise<void> }> {
  const prefix = join(workDir, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const { host } = new URL(upstream);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream sim { server ${host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`,
  );
  const child = spawn('taskset', ['-c', SERVER_CORE, nginx, '-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
  return {
    url: `http://127.0.0.1:${port}`,
    // The master and its one worker process (the one that forwards).
    pids: () => {
      const master = child.pid;
      if (master === undefined) return [];
      try {
        const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
        return [master, ...children];
      } catch {
        return [master];
      }
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}
