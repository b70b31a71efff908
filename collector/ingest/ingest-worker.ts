import { TextDecoder } from 'node:util';
import { parentPort } from 'node:worker_threads';
import { isRecord } from '#shared/guards.js';
import { RoutetraceError } from '#shared/errors.js';
import { transferable } from '../threads/collector-thread.js';
import { checkBatch } from './batch-check.js';

/**
 * The ingest thread: decodes, parses, validates and maps each ingest body (batch-check.ts), so
 * the event loop never holds a 1,000-record batch's JSON.parse and validation (~10 ms of CPU,
 * and the garbage whose collection paused it 10–20 ms). Bytes come in and go out as
 * transferred buffers: the event loop's heap never holds a batch.
 */
const decoders = new Map<string, TextDecoder>();

function decode(bytes: Uint8Array, charset: string): string {
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    // The charset was accepted by the event loop (http/json-body.ts) with the same constructor.
    decoder = new TextDecoder(charset);
    decoders.set(charset, decoder);
  }
  return decoder.decode(bytes);
}

parentPort?.on('message', (message: unknown) => {
  if (!isRecord(message)) return;
  if (message.close === true) {
    parentPort?.postMessage({ closed: true });
    return;
  }
  const { id, body, charset, maxClockSkewSeconds, receivedMs } = message;
  if (typeof id !== 'number' || typeof charset !== 'string' || typeof maxClockSkewSeconds !== 'number' || typeof receivedMs !== 'number') return;
  try {
    const text = body instanceof Uint8Array ? decode(body, charset) : undefined;
    const value = checkBatch(text, maxClockSkewSeconds, receivedMs);
    const rows = value.batch.rowsJson;
    parentPort?.postMessage({ id, ok: true, value }, transferable(rows));
  } catch (error) {
    const known = error instanceof RoutetraceError;
    parentPort?.postMessage({ id, ok: false, message: known ? error.message : String(error), code: known ? error.code : 'internal_error' });
  }
});
