#!/usr/bin/env node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { meets, type BenchContext, type Figure } from './figure.js';
import { pinSelf } from './processes.js';
import { ingestAndQueries } from './scenarios/ingest-and-queries.js';
import { proxyOverhead } from './scenarios/proxy-overhead.js';
import { retention } from './scenarios/retention.js';
import { routingQuality } from './scenarios/routing-quality.js';
import { streaming } from './scenarios/streaming.js';
import { ensureTool } from './tools.js';

const SCENARIOS = { overhead: proxyOverhead, streaming, ingest: ingestAndQueries, retention, quality: routingQuality } as const;

function parseArgs(argv: string[]): { quick: boolean; only: string[] } {
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex === -1 ? Object.keys(SCENARIOS) : (argv[onlyIndex + 1] ?? '').split(',');
  const unknown = argv.filter((arg, i) => arg !== '--quick' && arg !== '--only' && argv[i - 1] !== '--only');
  if (argv.includes('--help') || unknown.length > 0 || only.some((name) => !(name in SCENARIOS))) {
    process.stderr.write(`Usage: npm run bench -- [--quick] [--only ${Object.keys(SCENARIOS).join(',')}]\n`);
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
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${table(figures)}\n\n${figures.length} figures in ${report.seconds} s; written to bench/results/latest.json\n`);
const missed = figures.filter((figure) => meets(figure) === false);
if (missed.length > 0) process.stdout.write(`targets missed: ${missed.map((figure) => figure.name).join('; ')}\n`);
