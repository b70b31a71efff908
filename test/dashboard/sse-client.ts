import { EventEmitter, once } from 'node:events';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll } from 'vitest';

export interface SseEvent {
  id: string | undefined;
  data: string;
}

/**
 * A GET event-stream client on node:http that keeps every event and comment, so a test can wait
 * for "the n-th event" or "a heartbeat" as events, never with sleeps. Closed after the test file.
 */
export class SseStream extends EventEmitter {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  /** The body when the server answered something other than an event stream (an error). */
  body = '';
  ended = false;
  /** True when the server ended the response properly (not a dropped connection). */
  completed = false;
  #req: ClientRequest | undefined;
  #buffer = '';

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = new SseStream();
    const response = new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
        stream.status = res.statusCode ?? 0;
        stream.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => stream.#take(chunk));
        res.on('close', () => {
          stream.completed = res.complete;
          stream.ended = true;
          stream.emit('update');
          stream.emit('ended');
        });
        resolve();
      });
      req.on('error', (error) => {
        stream.ended = true;
        stream.emit('update');
        stream.emit('ended');
        reject(error);
      });
      req.end();
      stream.#req = req;
    });
    afterAll(() => stream.close());
    await response;
    return stream;
  }

  /** Parsed records from the `data:` lines. */
  records<T = unknown>(): T[] {
    return this.events.map((event) => JSON.parse(event.data) as T);
  }

  /** Resolves when `check` holds (checked after every chunk); rejects if the stream ends first. */
  async until(check: (stream: SseStream) => boolean, what: string): Promise<void> {
    while (!check(this)) {
      if (this.ended) throw new Error(`stream ended before: ${what} (${this.events.length} events, body ${this.body.slice(0, 200)})`);
      await once(this, 'update');
    }
  }

  async endedPromise(): Promise<void> {
    if (!this.ended) await once(this, 'ended');
  }

  close(): void {
    this.#req?.destroy();
  }

  #take(chunk: string): void {
    if (!String(this.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      this.body += chunk;
      this.emit('update');
      return;
    }
    this.#buffer += chunk;
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ id, data: data.join('\n') });
    }
    this.emit('update');
  }
}
