import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * A small client request on a fresh socket: health checks, load polls, fan-outs. `idleTimeoutMs`
 * is an idle timeout (no socket activity for that long aborts the request), not a deadline.
 */
export function idleTimeoutRequest(url: string, options: { method?: string; idleTimeoutMs: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : request;
    const req = send(url, { method: options.method ?? 'GET', timeout: options.idleTimeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 1_000_000) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no socket activity for ${options.idleTimeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
