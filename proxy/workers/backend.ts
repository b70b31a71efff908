import { isHttpUrl, withoutTrailingSlash } from '#shared/url.js';

/**
 * One upstream HTTP server the proxy sends requests to: an SGLang worker in gateway mode, or the
 * router in front-of-router mode. (Named Backend, not Worker: the global Worker is a thread.)
 */
export interface Backend {
  /** `worker-0` …, or the name given as `name=URL`. */
  readonly nodeId: string;
  /** Base URL, without a trailing slash. */
  readonly url: string;
  /** Set by health checks (and by a refused connection, until the next good check). */
  healthy: boolean;
  /** Requests this proxy has in flight to it: the policies' load and the record's queue_size. */
  inFlight: number;
  /** From the last `/get_load` poll: waiting requests and tokens held, summed over dp ranks. */
  reportedLoad: { waiting: number; tokens: number } | undefined;
}

export function createBackend(nodeId: string, url: string): Backend {
  return { nodeId, url, healthy: true, inFlight: 0, reportedLoad: undefined };
}

/**
 * Parses `--worker-urls` entries: `URL` or `name=URL`. Unnamed workers are `worker-<i>` by
 * position, as in the seed's records. Throws on a bad URL or a repeated name or URL.
 */
export function parseWorkerSpecs(specs: readonly string[]): Backend[] {
  const workers = specs.map((spec, index) => {
    const eq = spec.indexOf('=');
    const hasName = eq > 0 && !spec.slice(0, eq).includes('/');
    const name = hasName ? spec.slice(0, eq) : `worker-${index}`;
    const raw = hasName ? spec.slice(eq + 1) : spec;
    if (!isHttpUrl(raw)) {
      throw new Error(`'${spec}' is not an http(s) URL (use URL or name=URL)`);
    }
    return createBackend(name, withoutTrailingSlash(raw));
  });
  const names = new Set(workers.map((worker) => worker.nodeId));
  const urls = new Set(workers.map((worker) => worker.url));
  if (names.size !== workers.length) throw new Error('worker names must be unique');
  if (urls.size !== workers.length) throw new Error('worker URLs must be unique');
  return workers;
}
