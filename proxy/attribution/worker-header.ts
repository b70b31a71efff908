import type { IncomingHttpHeaders } from 'node:http';
import type { Backend } from '../workers/backend.js';
import { hostPortKey, parseUpstreamName } from './upstream-name.js';

/**
 * Headers read for the serving worker when --worker-header is not given, in order: SGLang
 * Model Gateway's (the URL of the worker that served, `@rank` for data-parallel workers), then
 * the older `x-sglang-worker` (also what routetrace itself sets on its responses).
 */
export const DEFAULT_WORKER_HEADERS = ['x-smg-routed-worker-id', 'x-sglang-worker'] as const;

/** The header names to read, lower case: --worker-header first (when given), then the defaults. */
export function workerHeaderNames(flag: string | undefined): string[] {
  const names = [...(flag === undefined ? [] : [flag.toLowerCase()]), ...DEFAULT_WORKER_HEADERS];
  return names.filter((name, i) => names.indexOf(name) === i);
}

/** The serving worker as a router's response header named it. */
export interface HeaderAttribution {
  nodeId: string;
  url: string;
  attribution: 'header';
  /** Data-parallel rank, when the header carried one (`URL@rank`). */
  dpRank?: number;
  /** Attempts the router made, when the header lists every upstream it tried (nginx after a retry). */
  attempts?: number;
}

/** The record contract's limits (shared/record.ts): a longer value would make the record invalid. */
const MAX_NODE_ID = 128;
const MAX_URL = 2048;

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name];
  const value = (Array.isArray(raw) ? raw.join(', ') : raw)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Front-of-router mode: the worker named by the first of `workerHeaders` present in a router's
 * response. Accepts what the routers people run send: a URL (`http://10.0.0.5:30000/`), a URL
 * with a data-parallel rank (`http://10.0.0.5:30000@3`, SGLang Model Gateway), `host:port`
 * (nginx `$upstream_addr`, HAProxy `%si:%sp`), a --worker-urls name, or nginx's list after a
 * retry (`10.0.0.7:30000, 10.0.0.5:30000`: the last entry answered). A name that matches a
 * --worker-urls entry by host:port takes that entry's node id and URL; an unknown `host:port`
 * becomes the node id with a synthesized `http://host:port` worker_url. Pure: no I/O.
 */
export function attributeFromHeaders(
  headers: IncomingHttpHeaders,
  workerHeaders: readonly string[],
  knownWorkers: readonly Backend[],
  routerUrl: string,
): HeaderAttribution | undefined {
  for (const name of workerHeaders) {
    const value = headerValue(headers, name);
    if (value === undefined) continue;
    const parsed = parseUpstreamName(value);
    if (parsed === undefined) continue;
    const attribution: HeaderAttribution = { nodeId: '', url: routerUrl, attribution: 'header' };
    if (parsed.dpRank !== undefined) attribution.dpRank = parsed.dpRank;
    if (parsed.attempts > 1) attribution.attempts = parsed.attempts;

    const known =
      parsed.hostPort === undefined
        ? knownWorkers.find((worker) => worker.nodeId === parsed.name || worker.url === parsed.name)
        : knownWorkers.find((worker) => hostPortKey(worker.url) === parsed.hostPort);
    if (known !== undefined) {
      attribution.nodeId = known.nodeId;
      attribution.url = known.url;
    } else if (parsed.hostPort !== undefined) {
      attribution.nodeId = parsed.display.slice(0, MAX_NODE_ID);
      const url = parsed.url ?? `http://${parsed.display}`;
      if (url.length <= MAX_URL && URL.canParse(url)) attribution.url = url;
    } else {
      // A name routetrace cannot place (a unix socket, a gateway's own worker id): the name is
      // the node, the router stays the URL the request went to.
      attribution.nodeId = parsed.name.slice(0, MAX_NODE_ID);
    }
    return attribution;
  }
  return undefined;
}
