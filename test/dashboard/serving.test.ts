import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startTestCollector } from '../helpers/collector.js';
import { request } from '../helpers/http.js';

const BUILT = join(import.meta.dirname, '../../dist/dashboard');

describe('the dashboard served by the collector', () => {
  it('redirects GET / to /dashboard/, and /dashboard to /dashboard/', async () => {
    const collector = await startTestCollector();
    const root = await request(`${collector.url}/`);
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/dashboard/');
    const bare = await request(`${collector.url}/dashboard`);
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/dashboard/');
  });

  it('serves the page and its assets with the right types, and a 404 for anything else under /dashboard', async () => {
    const collector = await startTestCollector();
    const page = await request(`${collector.url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await request(`${collector.url}/dashboard/app.js`)).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await request(`${collector.url}/dashboard/app.css`)).headers['content-type']).toBe('text/css; charset=utf-8');
    const missing = await request(`${collector.url}/dashboard/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { code: 'route_not_found', message: 'no route for GET /dashboard/nope.js' } });
  });

  it('references nothing outside the collector (no CDN, no external font) and stays within 150 KB gzipped', () => {
    const files = readdirSync(BUILT);
    expect(files.sort()).toEqual(['app.css', 'app.js', 'index.html']);
    let gzipped = 0;
    for (const file of files) {
      const text = readFileSync(join(BUILT, file), 'utf8');
      gzipped += gzipSync(text).length;
      // Any absolute URL, protocol-relative URL or @import would fetch from elsewhere.
      expect(text, file).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
      expect(text, file).not.toMatch(/@import|url\(["']?(https?:)?\/\//);
    }
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
  });
});
