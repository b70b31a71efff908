import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchSender } from '../../proxy/export/batch-sender.js';

describe('batch sender: a collector that takes the POST and never answers', () => {
  it('is a retryable outcome once the export timeout passes, the POST abandoned', async () => {
    let closedByProxy = false;
    const server = createServer((req) => {
      req.resume();
      req.socket.on('close', () => (closedByProxy = true));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    afterAll(() => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
    const sender = new BatchSender({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    afterAll(() => sender.close());

    const outcome = await sender.sendBatch({ records: ['{"record_id":"a"}'], proxyId: 'test-proxy', dropped: 0 }, 200);
    expect(outcome).toEqual({ kind: 'retryable', reason: 'The operation was aborted due to timeout', retryAfterMs: undefined });
    await expect.poll(() => closedByProxy).toBe(true);
  });
});
