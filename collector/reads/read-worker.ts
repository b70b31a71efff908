import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { errorCodeOf, isRecord } from '#shared/guards.js';
import { openReadOnly, READ_BUSY_TIMEOUT_MS } from '../store/database.js';
import { dispatchRead, TraceReader, type ReadMethod } from './trace-reader.js';

/**
 * The reader thread: its own read-only connection (WAL readers never wait for the writer), so a
 * query that scans costs this thread, not the event loop that takes ingest and /health.
 *
 * It also checkpoints the WAL, on a read-write connection of its own: the write connection has
 * automatic checkpoints off, because a checkpoint copies the WAL into the database and fsyncs,
 * which stalled the event loop for hundreds of milliseconds under load (measured 697 ms).
 */
const path = isRecord(workerData) && typeof workerData.path === 'string' ? workerData.path : '';
const checkpointMs = isRecord(workerData) && typeof workerData.checkpointMs === 'number' ? workerData.checkpointMs : 1000;
const readDb = openReadOnly(path);
const reader = new TraceReader(readDb);
const checkpointDb = new Database(path, { fileMustExist: true });
checkpointDb.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);

const checkpoints = setInterval(() => {
  try {
    // PASSIVE only: it never takes the write lock. RESTART/TRUNCATE hold it while they copy,
    // and the write connection (busy_timeout 0) then answered ingest 503 (measured in the
    // bench). The writer resets the WAL after a complete checkpoint and journal_size_limit
    // trims the file then (the bench reports the WAL size).
    checkpointDb.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A busy or failing checkpoint is retried at the next tick; writes report storage faults.
  }
}, checkpointMs);

parentPort?.on('message', (message: unknown) => {
  if (!isRecord(message)) return;
  if (message.close === true) {
    clearInterval(checkpoints);
    checkpointDb.close();
    readDb.close();
    parentPort?.postMessage({ closed: true });
    return;
  }
  if (typeof message.id !== 'number') return;
  const { id } = message;
  try {
    const value = dispatchRead(reader, message.method as ReadMethod, Array.isArray(message.args) ? message.args : []);
    parentPort?.postMessage({ id, ok: true, value });
  } catch (error) {
    parentPort?.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error), code: errorCodeOf(error) });
  }
});
