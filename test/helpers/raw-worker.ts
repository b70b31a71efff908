import { createServer, type Socket } from 'node:net';
import { afterAll } from 'vitest';

export interface RawRequest {
  /** Request line and headers, as received. */
  head: string;
  body: Buffer;
  /** 0 for the first request on this connection. */
  indexOnConnection: number;
  connection: number;
}

export interface RawWorker {
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  requests: RawRequest[];
  /** Resolves when `count` connections have closed. */
  closedConnections(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A throwaway TCP "worker" for misbehaving-peer tests: it parses each request (headers and a
 * Content-Length body) and lets `answer` write whatever bytes it likes to the socket. Closed
 * after the test file.
 */
export async function startRawWorker(answer: (socket: Socket, request: RawRequest) => void): Promise<RawWorker> {
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  let closed = 0;
  const closeWaiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((socket) => {
    const connection = accepted++;
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    let index = 0;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      closed++;
      for (const waiter of closeWaiters.filter((each) => each.count <= closed)) waiter.resolve();
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const request = { head, body: buffer.subarray(end + 4, end + 4 + length), indexOnConnection: index++, connection };
        buffer = buffer.subarray(end + 4 + length);
        requests.push(request);
        answer(socket, request);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  afterAll(close);
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    requests,
    closedConnections: (count) => (closed >= count ? Promise.resolve() : new Promise((resolve) => closeWaiters.push({ count, resolve }))),
    close,
  };
}

/** The x-request-id a raw request carried. */
export function requestIdOf(request: RawRequest): string | undefined {
  return /\r\nx-request-id:\s*([^\r\n]+)/i.exec(request.head)?.[1];
}

/** A complete JSON answer, keeping the connection open. */
export function jsonAnswer(body: unknown): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}
