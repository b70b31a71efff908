import { parentPort, workerData } from 'node:worker_threads';
import { errorCodeOf, isRecord } from '#shared/guards.js';
import { openReadOnly } from '../store/database.js';
import { inReadSnapshot } from './read-snapshot.js';
import { dispatchRead, TraceReader, type ReadMethod } from './trace-reader.js';

/**
 * The reader thread: its own read-only connection (WAL readers never wait for the writer), so a
 * query that scans costs this thread, not the event loop that takes ingest and /health. (WAL
 * checkpoints run on the writer thread: see store/write-worker.ts.) Each read runs in its own
 * read transaction (one snapshot for all its statements), one read at a time.
 */
const path = isRecord(workerData) && typeof workerData.path === 'string' ? workerData.path : '';
const readDb = openReadOnly(path);
const reader = TraceReader.sqlite(readDb);
/** The reads in arrival order: each settles (and ends its transaction) before the next begins. */
let queue: Promise<void> = Promise.resolve();

parentPort?.on('message', (message: unknown) => {
  if (!isRecord(message)) return;
  if (message.close === true) {
    readDb.close();
    parentPort?.postMessage({ closed: true });
    return;
  }
  if (typeof message.id !== 'number') return;
  const { id } = message;
  const { method, args } = message;
  // The shared queries are async (PostgreSQL's runner needs it); over SQLite they settle at once,
  // but the queue still keeps one read's transaction from overlapping the next.
  queue = queue
    .then(() => inReadSnapshot(readDb, () => dispatchRead(reader, method as ReadMethod, Array.isArray(args) ? args : [])))
    .then((value) => parentPort?.postMessage({ id, ok: true, value }))
    // A failed read, or a value that cannot be sent, answers this read; the queue goes on.
    .catch((error: unknown) => parentPort?.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error), code: errorCodeOf(error) }));
});
