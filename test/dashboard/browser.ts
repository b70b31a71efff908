import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll } from 'vitest';
import { tempDir } from '../helpers/temp.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Headless Chromium with a fresh profile folder (a persistent context is how Playwright takes a
 * --user-data-dir), closed after the test file.
 */
export async function launchBrowser(): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir('routetrace-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
  });
  afterAll(() => context.close());
  return context;
}

/** A page that records every console error and uncaught page error. */
export async function openPage(context: BrowserContext, url: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('requestfailed', (request) => {
    // The live tail's EventSource is closed on purpose when a test page closes.
    if (!request.url().includes('/v1/traces/stream')) errors.push(`request failed: ${request.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]');
  return { page, errors };
}
