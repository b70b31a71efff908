import type { BrowserContext } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredTrace } from '#shared/api-types.js';
import { postJson, request } from '../helpers/http.js';
import { makeRecord } from '../helpers/records.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { chromiumInstalled, launchBrowser, openPage } from './browser.js';
import { sendTraffic } from './traffic.js';

let stack: Stack;
let context: BrowserContext;
let dashboard: string;

async function list(query: string): Promise<StoredTrace[]> {
  return (await request(`${stack.collector.url}/v1/traces${query}`)).json as StoredTrace[];
}


// Debian's chromium drives these; .ci/run installs it, and elsewhere the suite says it was skipped.
describe.skipIf(!chromiumInstalled())(`${chromiumInstalled() ? '' : '[SKIPPED: chromium not installed; apt-get install chromium] '}dashboard page in Chromium against a simulator-fed stack`, () => {
  beforeAll(async () => {
    stack = await startStack({ workers: 2 });
    await sendTraffic(stack.proxy.url, 40, 'page');
    // Some failures (and the proxy's retries) for the errors panel.
    stack.workers[1]?.setFaults({ failRate: 0.5 });
    await sendTraffic(stack.proxy.url, 12, 'faulty');
    stack.workers[1]?.setFaults({ failRate: 0 });
    // Two records with one request id: a retried request whose id a client reused.
    const reused = [makeRecord({ request_id: 'reused-id', status: 'failed', attempts: 1 }), makeRecord({ request_id: 'reused-id', status: 'completed', attempts: 2 })];
    await stack.traces();
    expect((await postJson(`${stack.collector.url}/v1/traces`, reused)).status).toBe(200);
    context = await launchBrowser();
    dashboard = `${stack.collector.url}/dashboard/`;
  }, 60_000);

  it('loads with zero console errors and every panel draws data', async () => {
    const { page, errors } = await openPage(context, dashboard);
    for (const selector of ['#panel-requests', '#panel-cache', '#panel-quality', '#panel-latency', '#panel-decisions']) {
      const points = Number(await page.getAttribute(`${selector} .chart`, 'data-points'));
      expect(points, selector).toBeGreaterThan(0);
      expect(await page.$$(`${selector} .chart canvas`), selector).toHaveLength(1);
    }
    const queueCharts = await page.$$eval('#panel-queue .chart', (charts) => charts.map((chart) => Number(chart.getAttribute('data-points'))));
    expect(queueCharts).toHaveLength(2);
    expect(queueCharts.every((points) => points > 0)).toBe(true);
    // Panel 1's share table: one row per worker, shares adding up to 100 %.
    const shares = await page.$$eval('#panel-requests table.summary tbody tr', (rows) => rows.map((row) => row.children[0]?.textContent ?? ''));
    expect(shares).toEqual(['worker-0', 'worker-1']);
    // Panel 4's totals show the injected failures.
    const failed = await page.$$eval('#panel-queue table.summary tbody tr', (rows) => rows.map((row) => Number(row.children[1]?.textContent?.replace(/,/g, ''))));
    const stored = await list('?limit=10000&status=failed');
    expect(failed.reduce((a, b) => a + b, 0)).toBe(stored.length);
    // Panel 8.
    expect(await page.textContent('[data-field="retention"]')).toBe('cap 1,000,000 records · TTL 1 h');
    expect(await page.getAttribute('[data-field="collector"]', 'data-state')).toBe('ok');
    expect(await page.textContent('[data-field="counts"]')).toMatch(/^total \d+ · active \d+ · dropped 0$/);
    // Panel 7: the newest page of the list API, in its order.
    const newest = await list('?limit=50');
    expect(await page.$$eval('table.records tbody tr', (rows) => rows.map((row) => Number(row.getAttribute('data-seq'))))).toEqual(newest.map((trace) => trace.seq));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('filters change the table and the URL, and the URL restores them', async () => {
    const { page, errors } = await openPage(context, dashboard);
    await page.selectOption('select[name="node_id"]', 'worker-1');
    await page.waitForURL(/node_id=worker-1/);
    await page.waitForSelector('.table-status:has-text("records")');
    const expected = await list('?limit=50&node_id=worker-1');
    await page.waitForFunction(`document.querySelectorAll('table.records tbody tr').length === ${expected.length}`);
    expect(await page.$$eval('table.records tbody tr', (rows) => rows.map((row) => Number(row.getAttribute('data-seq'))))).toEqual(expected.map((trace) => trace.seq));

    // The request-id search: an id served by worker-1, typed and submitted with Enter.
    const wanted = expected[0]?.request_id ?? '';
    await page.fill('input[name="request_id"]', wanted);
    await page.press('input[name="request_id"]', 'Enter');
    await page.waitForURL((url) => url.searchParams.get('request_id') === wanted);
    await page.waitForFunction(`[...document.querySelectorAll('table.records tbody tr')].every((row) => row.getAttribute('data-request-id') === ${JSON.stringify(wanted)})`);
    const url = page.url();
    expect(new URL(url).searchParams.get('node_id')).toBe('worker-1');

    // A shared link opens the same view.
    const { page: shared, errors: sharedErrors } = await openPage(context, url);
    expect(await shared.inputValue('select[name="node_id"]')).toBe('worker-1');
    expect(await shared.inputValue('input[name="request_id"]')).toBe(wanted);
    const rows = await shared.$$eval('table.records tbody tr', (trs) => trs.map((row) => row.getAttribute('data-request-id')));
    expect(rows).toEqual((await list(`?limit=50&node_id=worker-1&request_id=${wanted}`)).map((trace) => trace.request_id));
    expect(rows.length).toBeGreaterThan(0);
    expect([...errors, ...sharedErrors]).toEqual([]);
    await page.close();
    await shared.close();
  });

  it('the status filter is usable from the keyboard alone', async () => {
    const { page, errors } = await openPage(context, dashboard);
    await page.focus('select[name="status"]');
    // any → completed → failed
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(/status=failed/);
    const expected = await list('?limit=50&status=failed');
    await page.waitForFunction(`document.querySelectorAll('table.records tbody tr').length === ${expected.length}`);
    expect(await page.$$eval('table.records tbody tr td:nth-child(4)', (cells) => [...new Set(cells.map((cell) => cell.textContent))])).toEqual(['failed']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('"Older" pages back with the before=<seq> cursor', async () => {
    const { page, errors } = await openPage(context, dashboard);
    const all = await list('?limit=10000');
    expect(all.length).toBeGreaterThan(50);
    await page.click('button.older');
    await page.waitForFunction(`document.querySelector('table.records tbody tr')?.getAttribute('data-seq') === '${all[50]?.seq}'`);
    expect(await page.$$eval('table.records tbody tr', (rows) => rows.map((row) => Number(row.getAttribute('data-seq'))))).toEqual(all.slice(50, 100).map((trace) => trace.seq));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the detail drawer shows every field of a record and the other records with its request id', async () => {
    const { page, errors } = await openPage(context, `${dashboard}?request_id=reused-id`);
    const records = await list('?request_id=reused-id');
    expect(records).toHaveLength(2);
    // Keyboard: focus the newest row and press Enter.
    await page.focus('table.records tbody tr');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#drawer:not([hidden])');
    const fields = await page.$$eval('#drawer dl.fields dt', (dts) => dts.map((dt) => dt.textContent));
    expect(fields).toEqual(Object.keys(records[0] ?? {}));
    const values = await page.$$eval('#drawer dl.fields dd', (dds) => dds.map((dd) => dd.textContent));
    expect(values).toEqual(Object.values(records[0] ?? {}).map((value) => (value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value))));
    await page.waitForSelector('#drawer .related li');
    expect(await page.$$eval('#drawer .related li', (items) => items.map((item) => item.textContent))).toEqual([expect.stringContaining(`seq ${records[1]?.seq} `)]);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#drawer', { state: 'hidden' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the live tail shows a request sent after the page opened within 1 s', async () => {
    const { page, errors } = await openPage(context, dashboard);
    await page.check('#tail');
    await page.waitForSelector('#tail-state[data-state="open"]');
    await sendTraffic(stack.proxy.url, 1, 'live');
    // The proxy's exporter flushes every 20 ms in tests; the page must show the row within 1 s of the answer.
    await page.waitForSelector('table.records tbody tr[data-request-id="live-0"]', { timeout: 1000 });
    expect(new URL(page.url()).searchParams.get('tail')).toBe('1');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone-width screen without horizontal scrolling of the page', async () => {
    const { page, errors } = await openPage(context, dashboard, { width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await page.close();
  });
});
