// Saves the README's screenshots from a running dashboard:
//   node dashboard/screenshots.mjs http://127.0.0.1:30010/dashboard/?window=300
// (start `npm run demo` first). Needs Debian's chromium at /usr/bin/chromium and playwright-core
// (a devDependency). Writes docs/screenshots/dashboard-{desktop,phone,drawer}.png.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const url = process.argv[2];
if (url === undefined) {
  console.error('usage: node dashboard/screenshots.mjs <dashboard URL>');
  process.exit(2);
}
const out = join(dirname(fileURLToPath(import.meta.url)), '../docs/screenshots');
mkdirSync(out, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'routetrace-shots-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(url);
    await page.waitForSelector('html[data-ready="1"]');
    console.log(`${name}: first render ${await page.getAttribute('html', 'data-first-render-ms')} ms after navigation start`);
    await page.screenshot({ path: join(out, `dashboard-${name}.png`), fullPage: name === 'desktop' });
    if (name === 'desktop') {
      await page.click('table.records tbody tr');
      await page.waitForSelector('#drawer:not([hidden]) .related p');
      await page.screenshot({ path: join(out, 'dashboard-drawer.png') });
    }
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
