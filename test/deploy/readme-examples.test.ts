import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../helpers/demo.js';
import { request } from '../helpers/http.js';
import { parseShownJson, readReadmeExamples, shapeMismatches, type ShellExample } from '../helpers/readme-examples.js';
import { tempDir } from '../helpers/temp.js';

const README = join(import.meta.dirname, '../../README.md');
const examples = readReadmeExamples(README);

function sum(metrics: string, name: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) if (line.startsWith(name)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

/**
 * README's commands are typed by a person, slower than the proxy's 200 ms batches; a test is not.
 * Before each command, wait until every record the proxy produced has reached the collector.
 */
async function recordsDelivered(proxyUrl: string): Promise<void> {
  for (;;) {
    const metrics = (await request(`${proxyUrl}/metrics`)).text;
    const produced = sum(metrics, 'routetrace_proxy_requests_total{');
    const settled = sum(metrics, 'routetrace_proxy_records_sent_total') + sum(metrics, 'routetrace_proxy_records_dropped_total') + sum(metrics, 'routetrace_proxy_records_failed_total');
    if (settled >= produced) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function run(command: string, cwd: string, input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd, input, encoding: 'utf8', timeout: 15_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Compares a command's output with the output README shows: HTTP head, JSON shape, or table head. */
function outputMismatches(example: ShellExample, stdout: string): string[] {
  const shown = example.shown.trim();
  if (shown.startsWith('HTTP/')) {
    const [shownHead = '', shownBody = ''] = shown.split(/\n\s*\n/, 2);
    const [actualHead = '', actualBody = ''] = stdout.replaceAll('\r\n', '\n').split(/\n\n/, 2);
    const [shownStatus, ...shownHeaders] = shownHead.split('\n');
    const [actualStatus, ...actualHeaders] = actualHead.split('\n');
    const actualNames = new Set(actualHeaders.map((line) => line.slice(0, line.indexOf(':')).toLowerCase()));
    return [
      ...(shownStatus === actualStatus ? [] : [`status line: expected '${shownStatus}', got '${actualStatus}'`]),
      ...shownHeaders.map((line) => line.slice(0, line.indexOf(':')).toLowerCase()).filter((name) => !actualNames.has(name)).map((name) => `header ${name}: missing`),
      ...shapeMismatches(parseShownJson(shownBody), JSON.parse(actualBody)),
    ];
  }
  if (shown.startsWith('{') || shown.startsWith('[')) return shapeMismatches(parseShownJson(shown), JSON.parse(stdout));
  // A table (sqlite3 -header -column): the same header line and as many rows.
  const words = (line: string | undefined): string => (line ?? '').trim().split(/\s+/).join(' ');
  const shownLines = shown.split('\n');
  const actualLines = stdout.trimEnd().split('\n');
  return [
    ...(words(shownLines[0]) === words(actualLines[0]) ? [] : [`first line: expected '${words(shownLines[0])}', got '${words(actualLines[0])}'`]),
    ...(shownLines.length === actualLines.length ? [] : [`expected ${shownLines.length} lines, got ${actualLines.length}`]),
  ];
}

describe('the shape check behind the README examples', () => {
  it('accepts the same keys and types, null for any type, and elided arrays and keys', () => {
    expect(shapeMismatches(parseShownJson('{"a":1,"b":[...],"c":{"d":"x",...},"e":null}'), { a: 2, b: [1, 2], c: { d: 'y', z: 1 }, e: 'now known' })).toEqual([]);
  });

  it('names a missing key, an unshown key, a changed type and a non-empty array shown empty', () => {
    expect(shapeMismatches(parseShownJson('{"a":1,"b":"x","c":[],"d":[{"e":1}]}'), { a: '1', c: [0], d: [{ e: 1, f: 2 }], g: true })).toEqual([
      '$.b: missing',
      '$.g: not shown in README',
      '$.a: expected number, got string',
      '$.c: expected an empty array, got 1 items',
      '$.d[0].f: not shown in README',
    ]);
  });
});

describe('README.md examples, run against a live demo', () => {
  let demo: RunningDemo;
  const cwd = tempDir();
  const withPorts = (command: string): string =>
    command.replaceAll('localhost:30009', new URL(demo.proxyUrl).host).replaceAll('localhost:30010', new URL(demo.collectorUrl).host);

  beforeAll(async () => {
    // The demo's default database (./data/demo.db), in a folder of its own: the commands open it by that path.
    demo = await startDemo(['--fresh', '--proxy-port', '0', '--collector-port', '0', '--worker-ports', '0', '0'], cwd);
  });

  it('finds curl, sqlite3 and python3 on the PATH, as a reader would have them (apt-get install curl sqlite3 python3)', () => {
    expect(['curl', 'sqlite3', 'python3'].filter((tool) => run(`command -v ${tool}`, cwd).status !== 0)).toEqual([]);
  });

  it('README marks both shell and SQL examples for this test', () => {
    expect(examples.filter((example) => example.kind === 'sh').length).toBeGreaterThanOrEqual(8);
    expect(examples.filter((example) => example.kind === 'sql').length).toBeGreaterThanOrEqual(1);
  });

  for (const example of examples) {
    const title = example.kind === 'sh' ? example.command.split('\n')[0] ?? '' : `sqlite3 data/demo.db < ${example.sql.split('\n')[0] ?? ''}`;
    const claim = example.kind === 'sh' ? 'exits 0 and prints output of the shape README shows' : 'runs without an error';
    it(`${title.slice(0, 100)}: ${claim}`, async () => {
      await recordsDelivered(demo.proxyUrl);
      if (example.kind === 'sql') {
        const result = run('sqlite3 -bail -readonly data/demo.db', cwd, example.sql);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        return;
      }
      const result = run(withPorts(example.command), cwd);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(outputMismatches(example, result.stdout)).toEqual([]);
    });
  }
});
