import type { TestProject } from 'vitest/node';
import { findPostgresBin, startThrowawayPostgres } from '../../tools/throwaway-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway server's admin URL, or '' with `postgresSkipReason` saying why there is none. */
    postgresUrl: string;
    postgresSkipReason: string;
  }
}

/**
 * One throwaway PostgreSQL server per vitest run (each test file makes its own databases on
 * it). Without initdb the PostgreSQL variants of the suites are skipped with the reason; CI
 * installs Debian's postgresql first (.ci/run), so there they always run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (findPostgresBin() === undefined) {
    project.provide('postgresUrl', '');
    project.provide('postgresSkipReason', 'initdb not found: install the postgresql package to run the PostgreSQL variants');
    return () => Promise.resolve();
  }
  const server = await startThrowawayPostgres();
  project.provide('postgresUrl', server.url);
  project.provide('postgresSkipReason', '');
  return () => server.remove();
}
