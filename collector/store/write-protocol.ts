import { isRecord } from '#shared/guards.js';
import type { BatchMeta } from './trace-store.js';

/** Messages from the event loop to the writer thread (write-worker.ts), each answered by a WriteReply with its id. */
export type WriteRequest =
  | { id: number; op: 'write'; rows: Uint8Array; meta: BatchMeta }
  | { id: number; op: 'deleteExpired'; cutoffMs: number; limit: number }
  | { id: number; op: 'deleteOldest'; limit: number }
  /** Turns sending stored rows back on or off; its reply means every earlier write has committed. */
  | { id: number; op: 'listen'; on: boolean }
  | { id: number; op: 'counters' };

export type WriteReply =
  | { id: number; ok: true; value: unknown; counters: Record<string, number> }
  | { id: number; ok: false; message: string; code: string | undefined };

const num = (value: unknown): value is number => typeof value === 'number';

function isMeta(value: unknown): value is BatchMeta {
  return (
    isRecord(value) && num(value.receivedMs) && num(value.dropped) && (value.proxyId === undefined || typeof value.proxyId === 'string') &&
    (value.clampedCachedTokens === undefined || num(value.clampedCachedTokens))
  );
}

/** A message as the worker receives it, checked (both ends are this code, but a port carries `unknown`). */
export function parseWriteRequest(message: unknown): WriteRequest | undefined {
  if (!isRecord(message) || !num(message.id)) return undefined;
  const { id } = message;
  switch (message.op) {
    case 'write':
      return message.rows instanceof Uint8Array && isMeta(message.meta) ? { id, op: 'write', rows: message.rows, meta: message.meta } : undefined;
    case 'deleteExpired':
      return num(message.cutoffMs) && num(message.limit) ? { id, op: 'deleteExpired', cutoffMs: message.cutoffMs, limit: message.limit } : undefined;
    case 'deleteOldest':
      return num(message.limit) ? { id, op: 'deleteOldest', limit: message.limit } : undefined;
    case 'listen':
      return typeof message.on === 'boolean' ? { id, op: 'listen', on: message.on } : undefined;
    case 'counters':
      return { id, op: 'counters' };
    default:
      return undefined;
  }
}
