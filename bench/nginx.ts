import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_CORE } from './processes.js';

/** nginx as a plain keep-alive reverse proxy in front of `upstream`, pinned to the server core. */
/** Whether something accepts connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port the OS has just handed out as free (a random one collided with other jobs' servers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

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
  // Listening, or gone: nginx retries a busy port for ~2.5 s before it exits, so a fixed wait
  // could pass and leave a port that nothing answers on.
  const deadline = Date.now() + 5000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new Error(`nginx did not listen on 127.0.0.1:${port} (see ${join(prefix, 'logs/error.log')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}
