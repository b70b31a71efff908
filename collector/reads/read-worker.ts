import { parentPort, workerData } from 'node:worker_threads';
import { isRecord } from '#shared/guards.js';
import { openReadOnly } from '../store/database.js';
import { dispatchRead, TraceReader, type ReadMethod } from './trace-reader.js';

/**
 * The reader thread: its own read-only connection (WAL readers never wait for the writer), so a
 * query that scans costs this thread, not the event loop that takes ingest and /health.
 */
const path = isRecord(workerData) && typeof workerData.path === 'string' ? workerData.path : '';
const reader = new TraceReader(openReadOnly(path));

parentPort?.on('message', (message: unknown) => {
  if (!isRecord(message) || typeof message.id !== 'number') return;
  const { id } = message;
  try {
    const value = dispatchRead(reader, message.method as ReadMethod, Array.isArray(message.args) ? message.args : []);
    parentPort?.postMessage({ id, ok: true, value });
  } catch (error) {
    const code = isRecord(error) || error instanceof Error ? Reflect.get(error, 'code') : undefined;
    parentPort?.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : undefined });
  }
});
