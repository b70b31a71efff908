import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/** The one path of the dashboard, on the collector and (forwarded) on the proxy. */
export const DASHBOARD_PATH = '/dashboard';

/**
 * The built page (`npm run build` writes dist/dashboard/). From dist/collector/routes/ it is
 * ../../dashboard; when the collector runs from its TypeScript sources (tests), ../../dist/dashboard.
 */
export function dashboardAssetsDir(): string | undefined {
  const candidates = ['../../dashboard/', '../../dist/dashboard/'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  return candidates.find((dir) => existsSync(`${dir}index.html`));
}

/**
 * `GET /dashboard/…`: static files from the package, nothing from a CDN. Assets have content
 * hashes in neither name nor query, so the browser revalidates (Last-Modified) each load.
 */
export function dashboardRoute(): RequestHandler {
  const dir = dashboardAssetsDir();
  if (dir === undefined) {
    return (_req, res) => {
      res.status(404).type('text/plain').send('The dashboard was not built: run `npm run build`.\n');
    };
  }
  return express.static(dir, { index: 'index.html', redirect: true, fallthrough: true, maxAge: 0 });
}
