import type { IncomingHttpHeaders } from 'node:http';
import type { Worker } from '../workers/worker.js';

/** The serving worker as a router's response header named it. */
export interface HeaderAttribution {
  nodeId: string;
  url: string;
  attribution: 'header';
  /** Data-parallel rank, when the header carried one (`URL@rank`). */
  dpRank?: number;
  /** Attempts the router made, when the header lists every upstream it tried. */
  attempts?: number;
}

/**
 * Front-of-router mode: the worker named by the first of `workerHeaders` present in a router's
 * response, matched to `knownWorkers` (--worker-urls) by URL or name. Pure: no I/O.
 */
export function attributeFromHeaders(
  headers: IncomingHttpHeaders,
  workerHeaders: readonly string[],
  knownWorkers: readonly Worker[],
  routerUrl: string,
): HeaderAttribution | undefined {
  for (const name of workerHeaders) {
    const raw = headers[name];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value === undefined || value === '') continue;
    if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) {
      const url = value.replace(/\/+$/, '');
      const known = knownWorkers.find((worker) => worker.url === url);
      return { nodeId: known?.nodeId ?? new URL(url).host, url, attribution: 'header' };
    }
    const known = knownWorkers.find((worker) => worker.nodeId === value);
    return { nodeId: value.slice(0, 128), url: known?.url ?? routerUrl, attribution: 'header' };
  }
  return undefined;
}
