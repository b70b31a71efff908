import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // package.json maps #shared/* to the built dist/shared/*; tests run the TypeScript sources,
    // so that every module (and every error class) exists once.
    alias: [{ find: /^#shared\/(.*)\.js$/, replacement: fileURLToPath(new URL('./shared/$1.ts', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL server per run for the PostgreSQL variants of the collector suites.
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    // Native addons (better-sqlite3) and real sockets: one forked process per file.
    pool: 'forks',
    // The abort-storm and GC fault tests force collections.
    execArgv: ['--expose-gc'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The JSON report lets .ci/run print a plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
