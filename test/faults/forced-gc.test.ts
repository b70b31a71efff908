import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';
import { spawnBinary, type RunningProcess } from '../helpers/processes.js';
import { makeRecord } from '../helpers/records.js';
import { startWorkers, waitFor } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';

// better-sqlite3 ≤ 12 finalised statements from a garbage collection outside a JS context, and
// Node ≥ 24.19 aborts the process for that (`Assertion failed: (env) != nullptr` in
// `Statement::~Statement()`, SIGABRT) — at exit, or at any collection after writes. These tests
// force full collections between bursts of real writes and reads, end on a burst whose statements
// are still waiting for finalisation, then stop the process; they run on every Node line CI runs.

/** Preloaded into the child: a full collection on SIGUSR2, acknowledged on stdout. */
const GC_ON_SIGNAL = `data:text/javascript,process.on('SIGUSR2', () => { globalThis.gc(); process.stdout.write('gc-done\\n'); });`;
const NODE_FLAGS = ['--expose-gc', '--import', GC_ON_SIGNAL];

async function forceGc(running: RunningProcess): Promise<void> {
  const before = running.output().split('gc-done').length;
  running.child.kill('SIGUSR2');
  await waitFor(() => running.output().split('gc-done').length > before, 5000, 'the forced collection');
}

async function expectCleanExit(running: RunningProcess): Promise<void> {
  running.child.kill('SIGTERM');
  const code = await running.exited;
  expect({ code, signal: running.child.signalCode, nativeAssertion: /Assertion failed|RemoveEnvironmentCleanupHook/.test(running.output()) }).toEqual({
    code: 0,
    signal: null,
    nativeAssertion: false,
  });
}

describe('forced garbage collections between bursts, then SIGTERM', () => {
  it('the collector survives 300 ingests and reads with full collections between bursts, and exits 0', async () => {
    const db = join(tempDir(), 'gc.db');
    const collector = await spawnBinary('collector', ['--port', '0', '--db', db], {}, NODE_FLAGS);
    for (let burst = 0; burst < 6; burst++) {
      for (let i = 0; i < 50; i++) {
        const response = await postJson(`${collector.url}/v1/traces`, [makeRecord({ request_id: `gc-${burst}-${i}` })]);
        expect(response.status).toBe(200);
      }
      // Reads prepare statements too (list, lookup, stats): give the collection some to finalise.
      expect((await fetch(`${collector.url}/v1/traces?limit=5`)).status).toBe(200);
      expect((await fetch(`${collector.url}/v1/traces/gc-${burst}-0`)).status).toBe(200);
      expect((await fetch(`${collector.url}/v1/traces/stats`)).status).toBe(200);
      await forceGc(collector);
    }
    // A last burst of reads leaves statements for the exit's teardown to finalise.
    for (let i = 0; i < 20; i++) expect((await fetch(`${collector.url}/v1/traces/stats`)).status).toBe(200);
    await expectCleanExit(collector);
  });

  it('the all-in-one process survives 300 proxied requests with full collections between bursts, and exits 0', async () => {
    const [worker] = await startWorkers(1);
    const db = join(tempDir(), 'gc-all.db');
    const routetrace = await spawnBinary('allInOne', ['--port', '0', '--collector-port', '0', '--db', db, '--worker-urls', String(worker?.url)], {}, NODE_FLAGS);
    const proxyUrl = /"url":"(http:[^"]+)","mode"/.exec(routetrace.output())?.[1] ?? (await waitForProxyUrl(routetrace));
    for (let burst = 0; burst < 6; burst++) {
      for (let i = 0; i < 50; i++) {
        const response = await postJson(`${proxyUrl}/generate`, { text: `hello ${i}`, sampling_params: { max_new_tokens: 2 } }, { 'x-request-id': `gc-aio-${burst}-${i}` });
        expect(response.status).toBe(200);
      }
      expect((await fetch(`${proxyUrl}/v1/traces/stats`)).status).toBe(200);
      await forceGc(routetrace);
    }
    for (let i = 0; i < 20; i++) expect((await fetch(`${proxyUrl}/v1/traces?limit=5`)).status).toBe(200);
    await expectCleanExit(routetrace);
  });
});

async function waitForProxyUrl(running: RunningProcess): Promise<string> {
  let url: string | undefined;
  await waitFor(() => (url = /"url":"(http:[^"]+)","mode"/.exec(running.output())?.[1]) !== undefined, 5000, 'the proxy to listen');
  return url ?? '';
}
