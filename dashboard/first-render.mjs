// Measures the dashboard's first render against a collector holding N records:
//   npm run build && node dashboard/first-render.mjs 100000
// Fills a temporary database through the store (records spread over the last hour, 8 workers),
// then opens /dashboard/?window=3600 in headless Chromium three times and prints the time from
// navigation start to the page's data-ready mark, plus the time of each API call it makes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startCollector } from '../dist/collector/collector.js';

const total = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'routetrace-first-render-'));
const collector = await startCollector({ port: 0, dbPath: join(dir, 'traces.db'), maxTraceEntries: total + 1000, retentionIntervalSeconds: 3600 });
const now = Date.now();
const decisions = ['tree_match', 'min_load', 'smallest_tree'];
for (let start = 0; start < total; start += 5000) {
  const batch = [];
  for (let i = start; i < Math.min(total, start + 5000); i++) {
    const node = i % 8;
    batch.push({
      record_id: `r-${i}`, request_id: `q-${i}`, node_id: `worker-${node}`, worker_url: `http://10.0.0.${node}:30000`, routing_policy: 'cache_aware',
      status: i % 50 === 0 ? 'failed' : 'completed', timestamp: now - 3_590_000 + Math.floor((i / total) * 3_580_000),
      duration_ms: 100 + (i % 400), ttft_ms: 10 + (i % 90), prompt_tokens: 200, cached_tokens: i % 3 === 0 ? 0 : 150, cache_hit: i % 3 !== 0,
      prefix_match_rate: 0.7, queue_size: i % 7, attempts: 1, decision: decisions[i % 3],
    });
  }
  // Writes fail fast while a WAL checkpoint holds the lock (busy_timeout=0): wait and retry, as a proxy would.
  for (;;) {
    try {
      collector.store.write(batch, { receivedMs: Date.now(), proxyId: 'bench', dropped: 0 });
      break;
    } catch (error) {
      if (error?.code !== 'SQLITE_BUSY') throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
console.log(`collector: ${collector.store.countRows()} records`);

const profile = mkdtempSync(join(tmpdir(), 'routetrace-first-render-profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (let run = 1; run <= 3; run++) {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${collector.url}/dashboard/?window=3600&refresh=0`);
    await page.waitForSelector('html[data-ready="1"]', { timeout: 120_000 });
    const ready = await page.getAttribute('html', 'data-first-render-ms');
    const calls = await page.evaluate(() =>
      performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/v1/') || entry.name.includes('/health'))
        .map((entry) => `${new URL(entry.name).pathname} ${Math.round(entry.duration)} ms`));
    console.log(`run ${run}: first render ${ready} ms; ${calls.join(', ')}`);
    await page.close();
  }
} finally {
  await context.close();
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
