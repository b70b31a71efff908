import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { errorCodeOf, isRecord } from '#shared/guards.js';
import { RollupWriter } from '../rollups/rollup-writer.js';
import { openDatabase, WRITER_CHECKPOINT_PAGES } from './database.js';
import { RetentionDeletes } from './retention-deletes.js';
import { decodeRows } from './row-mapping.js';
import { TraceWriter } from './trace-writer.js';
import { parseWriteRequest, type WriteReply, type WriteRequest } from './write-protocol.js';

/**
 * The writer thread: it owns the one write connection and checkpoints the WAL. Ingest batches
 * (inserts, rollup upserts, counters: one transaction each) and retention's delete steps run
 * here, one at a time in arrival order, so neither ever stalls the event loop (a 1,000-record
 * batch is a 10–30 ms synchronous transaction). The ingest thread checks and encodes rows, the
 * event loop hands them over here and answers the HTTP request when the commit's reply comes
 * back (writer-thread.ts).
 */
const path = isRecord(workerData) && typeof workerData.path === 'string' ? workerData.path : '';
// A thread restarted after a crash must not create an empty file where the database was
// (deleted meanwhile): its batches then fail with 503 and /health says why.
if (!existsSync(path)) throw Object.assign(new Error(`database file ${path} no longer exists`), { code: 'SQLITE_CANTOPEN' });
const db = openDatabase(path);
// Off the event loop, SQLite's own checkpoint (PASSIVE, inside the commit that crosses the
// bound) is what we want: it never takes a lock a write would fail on (busy_timeout 0 → 503).
db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
const rollups = new RollupWriter(db);
const writer = new TraceWriter(db, rollups);
const deletes = new RetentionDeletes(db, rollups);
const counters = db.prepare<[], [string, number]>('SELECT name, value FROM counters').raw();
/** Whether a live-tail listener exists: only then are stored rows sent back (a clone costs ~5 µs per row). */
let listening = isRecord(workerData) && workerData.listening === true;

function counterValues(): Record<string, number> {
  return Object.fromEntries(counters.all().map(([name, value]) => [name, Number(value)]));
}

function run(message: WriteRequest): unknown {
  switch (message.op) {
    case 'write':
      // The rows are the ingest thread's encoding of InsertRow[] (MappedBatch in trace-store.ts).
      return writer.write(decodeRows(message.rows), message.meta, listening);
    case 'deleteExpired':
      return deletes.expired(message.cutoffMs, message.limit);
    case 'deleteOldest':
      return deletes.oldest(message.limit);
    case 'listen':
      listening = message.on;
      return null;
    case 'counters':
      return null;
    default:
      return message satisfies never;
  }
}

parentPort?.on('message', (raw: unknown) => {
  if (isRecord(raw) && raw.close === true) {
    // Closing here lets the event loop's close be the last one, which checkpoints the WAL.
    db.close();
    parentPort?.postMessage({ closed: true });
    return;
  }
  const message = parseWriteRequest(raw);
  if (message === undefined) return;
  let reply: WriteReply;
  try {
    reply = { id: message.id, ok: true, value: run(message), counters: counterValues() };
  } catch (error) {
    reply = { id: message.id, ok: false, message: error instanceof Error ? error.message : String(error), code: errorCodeOf(error) };
  }
  parentPort?.postMessage(reply);
});
