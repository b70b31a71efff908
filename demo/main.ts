#!/usr/bin/env node
import { rmSync } from 'node:fs';
import { startCollector } from '../collector/collector.js';
import { startProxy } from '../proxy/proxy.js';
import type { FlagSpec, FlagValues } from '#shared/cli/flags.js';
import { runCommand } from '#shared/cli/run-command.js';
import { TraceClient } from '#shared/client.js';
import { createLogger } from '#shared/log.js';
import { REALISTIC_TIMING } from '../sim/options.js';
import { startSimWorker } from '../sim/worker.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'proxy-port', kind: 'integer', default: 30009, min: 0, max: 65535, placeholder: 'PORT', description: 'Port of the routetrace proxy (0: a free one).' },
  { name: 'collector-port', kind: 'integer', default: 30010, min: 0, max: 65535, placeholder: 'PORT', description: 'Port of the collector.' },
  { name: 'worker-ports', kind: 'list', default: ['30001', '30002'], placeholder: 'PORT [PORT ...]', description: 'Ports of the simulated SGLang workers, one per worker.' },
  { name: 'db', kind: 'string', default: './data/demo.db', placeholder: 'PATH', description: 'SQLite file of the demo collector.' },
  { name: 'requests', kind: 'integer', default: 24, min: 0, max: 10_000, placeholder: 'N', description: 'Requests in the burst of demo traffic.' },
  { name: 'fresh', kind: 'boolean', default: false, description: 'Delete the demo database first (records of earlier runs otherwise stay for the TTL).' },
];

interface DemoOptions {
  proxyPort: number;
  collectorPort: number;
  workerPorts: number[];
  db: string;
  requests: number;
  fresh: boolean;
}

function toOptions(values: FlagValues): DemoOptions {
  const workerPorts = (values.list('worker-ports') ?? []).map(Number);
  if (workerPorts.some((port) => !Number.isInteger(port) || port < 0 || port > 65535)) throw new Error('--worker-ports: expected ports');
  return {
    proxyPort: values.number('proxy-port') ?? 30009,
    collectorPort: values.number('collector-port') ?? 30010,
    workerPorts,
    db: values.string('db') ?? './data/demo.db',
    requests: values.number('requests') ?? 24,
    fresh: values.boolean('fresh') ?? false,
  };
}

/** Three prompt families with long shared prefixes: cache_aware should keep each on one worker. */
const FAMILIES = [
  'You are a customer-support assistant for a GPU cloud. Answer politely, cite the knowledge base, and keep it short. ',
  'You are a senior Python reviewer. Point out bugs first, then style, and suggest a minimal patch. ',
  'You are a travel planner. Propose a three-day itinerary with trains, not flights, and a budget. ',
];

async function sendTraffic(proxyUrl: string, count: number): Promise<void> {
  const send = async (i: number): Promise<void> => {
    const family = FAMILIES[i % FAMILIES.length] ?? '';
    const id = `demo-${String(i + 1).padStart(4, '0')}`;
    const headers = { 'content-type': 'application/json', 'x-request-id': id };
    const kind = i % 4;
    const body =
      kind === 0 ? { text: `${family}Question ${i}: what should I check first?`, sampling_params: { max_new_tokens: 12 } }
      : kind === 1 ? { text: `${family}Question ${i}: explain step by step.`, sampling_params: { max_new_tokens: 12 }, stream: true }
      : kind === 2 ? { messages: [{ role: 'system', content: family }, { role: 'user', content: `Question ${i}?` }], max_tokens: 12, stream: true, stream_options: { include_usage: true } }
      : { messages: [{ role: 'system', content: family }, { role: 'user', content: `Question ${i}, briefly.` }], max_tokens: 12 };
    const path = kind < 2 ? '/generate' : '/v1/chat/completions';
    const response = await fetch(`${proxyUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    await response.text();
  };
  // A few at a time, like a small client pool.
  for (let i = 0; i < count; i += 4) await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, j) => send(i + j)));
}

await runCommand({
  program: 'routetrace-demo',
  summary: 'Two simulated SGLang workers, the collector and a cache-aware routetrace proxy, with a burst of demo traffic.',
  flags: FLAGS,
  toOptions,
  async start(options) {
    const logger = createLogger('routetrace', 'warn');
    // SQLite keeps WAL mode's side files next to the database; all three go together.
    if (options.fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.db}${suffix}`, { force: true });
    const workers = await Promise.all(
      options.workerPorts.map((port, i) => startSimWorker({ ...REALISTIC_TIMING, port, name: `worker-${i}` })),
    );
    const collector = await startCollector({ port: options.collectorPort, dbPath: options.db, logger });
    const proxy = await startProxy({
      port: options.proxyPort,
      workerUrls: workers.map((worker) => worker.url),
      collectorUrl: collector.url,
      policy: 'cache_aware',
      loadCheckIntervalSecs: 1,
      logger,
    });
    const close = async (): Promise<void> => {
      await proxy.close(); // final flush into the collector
      await collector.close();
      await Promise.all(workers.map((worker) => worker.close()));
      process.stdout.write('demo stopped: every record flushed, database closed.\n');
    };

    try {
      const earlier = (await new TraceClient({ baseUrl: collector.url }).stats()).active_traces;
      await sendTraffic(proxy.url, options.requests);
      await proxy.exporter?.forceFlush();
      const stats = await new TraceClient({ baseUrl: proxy.url }).stats();
      const lines = [
        '',
        `routetrace demo: proxy ${proxy.url} (cache_aware) -> ${workers.map((worker) => worker.url).join(', ')}; collector ${collector.url}; database ${options.db}`,
        ...(earlier > 0 ? [`the database already held ${earlier} records from earlier runs; the figures include them (--fresh starts empty)`] : []),
        `sent ${options.requests} requests in 3 prompt families; per worker: ${Object.entries(stats.nodes)
          .map(([node, figures]) => `${node} ${figures.requests} requests, cache hit ${figures.cache_hit_rate === null ? 'n/a' : `${Math.round(figures.cache_hit_rate * 100)}%`}`)
          .join('; ')}`,
        '',
        `dashboard: ${collector.url}/dashboard/  (panels, request table, live tail)`,
        '',
        'Try:',
        `  curl -s ${proxy.url}/v1/traces/stats`,
        `  curl -s '${proxy.url}/v1/traces?limit=10'`,
        `  curl -s ${proxy.url}/v1/traces/demo-0001`,
        `  curl -s ${proxy.url}/generate -H 'content-type: application/json' -H 'X-Request-Id: my-first-trace' -d '{"text": "${FAMILIES[0]}Hi!", "sampling_params": {"max_new_tokens": 8}}'`,
        `  sqlite3 -readonly -header -column ${options.db} "SELECT node_id, count(*) AS requests, round(1.0 * sum(CASE WHEN prompt_tokens IS NOT NULL THEN cached_tokens END) / sum(CASE WHEN cached_tokens IS NOT NULL THEN prompt_tokens END), 3) AS cache_hit_rate FROM traces GROUP BY node_id"`,
        '',
        'demo ready; Ctrl-C stops it.',
        '',
      ];
      process.stdout.write(lines.join('\n'));
    } catch (error) {
      await close();
      throw error;
    }
    return { close };
  },
});
