#!/usr/bin/env node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { meets, type BenchContext, type Figure } from './figure.js';
import { pinSelf } from './processes.js';
import { collectorScale } from './scenarios/collector-scale.js';
import { stopBenchServer } from './scenarios/scale-engines.js';
import { ingestAndQueries } from './scenarios/ingest-and-queries.js';
import { overheadPaired } from './scenarios/overhead-paired.js';
import { proxyOverhead } from './scenarios/proxy-overhead.js';
import { retention } from './scenarios/retention.js';
import { routingQuality } from './scenarios/routing-quality.js';
import { streaming } from './scenarios/streaming.js';
import { visibility } from './scenarios/visibility.js';
import { ensureTool } from './tools.js';

/** `--scale 100k,1m,5m` (the collector at scale, issue 15); `--baseline <dist>` measures another build beside it. */
const SCALE_WORDS: Record<string, number> = { '100k': 100_000, '1m': 1_000_000, '5m': 5_000_000 };
let scaleOptions: { scales: number[]; baseline: string | undefined; engines: string[] } = { scales: [], baseline: undefined, engines: ['sqlite'] };

const SCENARIOS = {
  overhead: proxyOverhead,
  paired: overheadPaired,
  streaming,
  ingest: ingestAndQueries,
  retention,
  quality: routingQuality,
  visibility,
  scale: async (ctx: BenchContext) => {
    const figures = [];
    const { baseline } = scaleOptions;
    if (baseline !== undefined) {
      // Before, after, after, before: the build that runs second at a scale pays for the first
      // one's page cache and files (measured +10 ms of writer CPU per 1,000 records), so each
      // build runs once in each position and the two are read side by side.
      const before = join(baseline, 'collector/main.js');
      for (const scale of scaleOptions.scales) {
        figures.push(...(await collectorScale(ctx, { scales: [scale], collectorBin: before, label: 'before (ran 1st)' })));
        figures.push(...(await collectorScale(ctx, { scales: [scale], label: 'after (ran 2nd)' })));
        figures.push(...(await collectorScale(ctx, { scales: [scale], label: 'after (ran 1st)' })));
        figures.push(...(await collectorScale(ctx, { scales: [scale], collectorBin: before, label: 'before (ran 2nd)' })));
      }
    } else if (scaleOptions.engines.includes('sqlite')) {
      figures.push(...(await collectorScale(ctx, { scales: scaleOptions.scales, label: 'collector' })));
    }
    // `--engines sqlite,postgres`: the same scenario on a throwaway PostgreSQL server, beside SQLite.
    if (scaleOptions.engines.includes('postgres')) {
      try {
        figures.push(...(await collectorScale(ctx, { scales: scaleOptions.scales, label: 'postgres', engine: 'postgres' })));
      } finally {
        await stopBenchServer();
      }
    }
    return figures;
  },
} as const;

function parseArgs(argv: string[]): { quick: boolean; only: string[] } {
  const quick = argv.includes('--quick');
  const valueOf = (flag: string): string | undefined => (argv.includes(flag) ? (argv[argv.indexOf(flag) + 1] ?? '') : undefined);
  const scales = valueOf('--scale')?.split(',') ?? [];
  scaleOptions = { scales: scales.map((word) => SCALE_WORDS[word] ?? Number.NaN), baseline: valueOf('--baseline'), engines: valueOf('--engines')?.split(',') ?? ['sqlite'] };
  const onlyText = valueOf('--only');
  // --scale alone runs only the scale scenario; `paired` (before/after side by side) runs only when named.
  const only = onlyText !== undefined ? onlyText.split(',') : scales.length > 0 ? ['scale'] : Object.keys(SCENARIOS).filter((name) => name !== 'scale' && name !== 'paired');
  const valued = new Set(['--only', '--scale', '--baseline', '--engines']);
  const unknown = argv.filter((arg, i) => arg !== '--quick' && !valued.has(arg) && !valued.has(argv[i - 1] ?? ''));
  const badScale = scaleOptions.scales.some((scale) => Number.isNaN(scale)) || (only.includes('scale') && scales.length === 0)
    || scaleOptions.engines.some((engine) => engine !== 'sqlite' && engine !== 'postgres');
  if (argv.includes('--help') || unknown.length > 0 || badScale || only.some((name) => !(name in SCENARIOS))) {
    process.stderr.write(`Usage: npm run bench -- [--quick] [--only ${Object.keys(SCENARIOS).join(',')}] [--scale 100k,1m,5m [--baseline <other checkout>/dist] [--engines sqlite,postgres]]\n`);
    process.exit(argv.includes('--help') ? 0 : 2);
  }
  return { quick, only };
}

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return `${value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

export function table(figures: Figure[]): string {
  const rows = [['figure', 'value', 'target', 'met'], ...figures.map((f) => [`${f.group} | ${f.name}`, format(f.value, f.unit), f.target === undefined ? '' : `${f.target.op} ${format(f.target.value, f.unit)}`, meets(f) === undefined ? '' : meets(f) ? 'yes' : 'NO'])];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(rows[0] ?? []), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const { quick, only } = parseArgs(process.argv.slice(2));
pinSelf();
const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
const workDir = mkdtempSync(join(tmpdir(), 'routetrace-bench-'));
const ctx: BenchContext = { quick, rounds: 3, wrk: undefined, nginx: undefined, workDir, log };
if (only.includes('paired')) ctx.wrk = ensureTool('wrk', 'wrk', log);
if (only.includes('overhead')) {
  ctx.wrk = ensureTool('wrk', 'wrk', log);
  ctx.nginx = ensureTool('nginx', 'nginx-light', log);
}

const figures: Figure[] = [];
const started = Date.now();
try {
  for (const name of only) {
    log(`running ${name}${quick ? ' (quick)' : ''}...`);
    figures.push(...(await SCENARIOS[name as keyof typeof SCENARIOS](ctx)));
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

const report = {
  date: new Date().toISOString(),
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, servers_on_core: 0, load_generator_on_core: 1 },
  figures: figures.map((figure) => ({ ...figure, met: meets(figure) })),
};
const resultsDir = join(import.meta.dirname, '../../bench/results');
mkdirSync(resultsDir, { recursive: true });
// The scale runs take long and measure one component: their own file, so latest.json keeps the full run.
// Both engines side by side get a file of their own (the SQLite-only scale runs keep theirs).
const scaleFile = scaleOptions.engines.includes('postgres') ? 'collector-scale-engines.json' : 'collector-scale.json';
// `--only paired` alone (a before/after check) leaves latest.json to the full run too.
const resultsFile = only.length === 1 && only[0] === 'scale' ? scaleFile : only.length === 1 && only[0] === 'paired' ? 'overhead-paired.json' : 'latest.json';
writeFileSync(join(resultsDir, resultsFile), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${table(figures)}\n\n${figures.length} figures in ${report.seconds} s; written to bench/results/${resultsFile}\n`);
const missed = figures.filter((figure) => meets(figure) === false);
if (missed.length > 0) process.stdout.write(`targets missed: ${missed.map((figure) => figure.name).join('; ')}\n`);
