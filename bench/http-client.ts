import { Agent, request } from 'node:http';

/** One keep-alive connection, one request at a time: for added-latency figures. */
export class SequentialClient {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  post(url: string, body: string, onFirstByte?: () => void): Promise<number> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(url, { method: 'POST', agent: this.#agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.once('data', () => onFirstByte?.());
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  get(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(url, { agent: this.#agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Event-stream chunk arrival times (ms since the request started), one stream at a time. */
export function streamTimes(url: string, body: string, agent: Agent): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const times: number[] = [];
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', () => times.push(performance.now() - started));
      res.on('end', () => resolve(times));
    });
    req.on('error', reject);
    req.end(body);
  });
}
