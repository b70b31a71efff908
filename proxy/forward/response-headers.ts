import type { IncomingHttpHeaders } from 'node:http';
import { attributeFromHeaders } from '../attribution/worker-header.js';
import { stripResponseHopByHop } from './hop-by-hop.js';
import type { RequestContext } from './request-context.js';
import type { Upstream } from './upstream.js';

/**
 * The worker's response headers as the client gets them: hop-by-hop headers removed, and the
 * request id and serving worker added (`x-sglang-worker`, `x-sglang-worker-id`). In front of a
 * router, the worker it names in its headers becomes the context's attribution first.
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders, ctx: RequestContext, upstream: Upstream): IncomingHttpHeaders {
  stripResponseHopByHop(headers);
  if (!ctx.traced) return headers;
  if (upstream.mode === 'router') ctx.attributed = attributeFromHeaders(headers, upstream.workerHeaders, upstream.knownWorkers, upstream.router.url) ?? ctx.attributed;
  headers['x-request-id'] = ctx.requestId;
  const shown = ctx.attributed ?? ctx.worker;
  if (shown !== undefined) {
    headers['x-sglang-worker'] = shown.url;
    headers['x-sglang-worker-id'] = shown.nodeId;
  }
  return headers;
}
