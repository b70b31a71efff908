// Builds the dashboard into dist/dashboard/: one ES module bundle (esbuild: TypeScript and
// uPlot from node_modules, minified), one stylesheet (uPlot's + ours) and index.html. Run by
// `npm run build` (and so by `prepare`). Prints the gzipped size checked against the budget.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, 'dist/dashboard');
/** Issue 17: at most 150 KB of JS + CSS, gzipped. */
const BUDGET_GZIP_BYTES = 150 * 1024;

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
const css = [readFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8'), readFileSync(join(here, 'src/style.css'), 'utf8')].join('\n');
writeFileSync(join(out, 'app.css'), css);
copyFileSync(join(here, 'src/index.html'), join(out, 'index.html'));

const gzipped = ['app.js', 'app.css', 'index.html'].reduce((sum, name) => sum + gzipSync(readFileSync(join(out, name)), { level: 9 }).length, 0);
console.log(`dashboard: dist/dashboard/ built; app.js + app.css + index.html = ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_GZIP_BYTES / 1024} KB)`);
if (gzipped > BUDGET_GZIP_BYTES) {
  console.error('dashboard: over the size budget');
  process.exit(1);
}
