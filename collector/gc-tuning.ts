import { setFlagsFromString } from 'node:v8';

/**
 * V8 garbage-collector flags for the collector's process, set before any other module loads
 * (collector/main.ts imports this first; flags are process-wide, so the worker threads get them
 * too). Under full ingest the collector's own threads (writer, ingest) keep both cores of a small
 * machine busy, and the event loop's heap (~17 MB of loaded modules) was collected in full every
 * ~0.4 s. Measured with `--trace-gc` and the scale bench at 100,000 rows (ingest past the cap,
 * three runs each, 2026-11-22; README "Collector scale and sizing"):
 *
 * - `--no-concurrent-marking`: V8's concurrent marking threads got no CPU, so the event loop
 *   finished the marking itself in single steps of 15–25 ms ("biggest step"), the longest
 *   stalls. Marking on the event loop in small incremental steps instead kept every step under
 *   9 ms; the longest stall went from 17–32 ms to 12–13 ms, for ~1 ms more event-loop CPU per
 *   1,000 records (~0.3 ms with the flag below, which takes most of it back).
 * - `--heap-growing-percent=100`: V8 let the ~17 MB heap grow by ~9 MB before marking again;
 *   a limit of twice the live heap halves the full collections (11 → 5 per 200,000 records)
 *   and takes that CPU back.
 *
 * Not set for the proxy or all-in-one: there the event loop serves requests, and concurrent
 * marking on otherwise idle cores keeps GC work off the request path.
 */
setFlagsFromString('--no-concurrent-marking');
setFlagsFromString('--heap-growing-percent=100');
