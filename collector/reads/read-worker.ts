import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { errorCodeOf, isRecord } from '#shared/guards.js';
import { JOURNAL_SIZE_LIMIT_BYTES, openReadOnly, READ_BUSY_TIMEOUT_MS } from '../store/database.js';
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
const reader = TraceReader.sqlite(readDb);
const checkpointDb = new Database(path, { fileMustExist: true });
checkpointDb.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);

function walBytes(): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

const checkpoints = setInterval(() => {
  try {
    // PASSIVE never takes the write lock, but under steady ingest it never catches up: the
    // writer only resets the WAL when a checkpoint finished with no write in between, and the
    // WAL grew to 763 MiB during a 1M-row fill (measured). Past the size limit, TRUNCATE: it
    // holds the write lock while it copies, so writes answer 503 for that long (the proxies
    // retry; the bench counts those batches) and the WAL file goes back to zero.
    checkpointDb.pragma('wal_checkpoint(PASSIVE)');
    if (walBytes() > JOURNAL_SIZE_LIMIT_BYTES) checkpointDb.pragma('wal_checkpoint(TRUNCATE)');
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
  const { method, args } = message;
  // The shared queries are async (PostgreSQL's runner needs it); over SQLite they settle at once.
  Promise.resolve()
    .then(() => dispatchRead(reader, method as ReadMethod, Array.isArray(args) ? args : []))
    .then(
      (value) => parentPort?.postMessage({ id, ok: true, value }),
      (error: unknown) => parentPort?.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error), code: errorCodeOf(error) }),
    );
});
