import type { IncomingHttpHeaders } from 'node:http';
import { attributeFromHeaders } from '../attribution/worker-header.js';
import { forwardHeaders, PROXY_SET } from './hop-by-hop.js';
import type { RequestContext } from './request-context.js';
import type { Upstream } from './upstream.js';

const NOTHING: Readonly<Record<string, true>> = {};

/**
 * The worker's response headers as the client gets them, a flat list for `writeHead`:
 * hop-by-hop headers removed, and the request id and serving worker added (`x-sglang-worker`,
 * `x-sglang-worker-id`) in place of any the worker sent. In front of a router, the worker it
 * names in its headers becomes the context's attribution first.
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders, ctx: RequestContext, upstream: Upstream): string[] {
  if (!ctx.traced) return forwardHeaders(headers, NOTHING);
  if (upstream.mode === 'router') ctx.attributed = attributeFromHeaders(headers, upstream.workerHeaders, upstream.knownWorkers, upstream.router.url) ?? ctx.attributed;
  const out = forwardHeaders(headers, PROXY_SET);
  out.push('x-request-id', ctx.requestId);
  const shown = ctx.attributed ?? ctx.worker;
  if (shown !== undefined) out.push('x-sglang-worker', shown.url, 'x-sglang-worker-id', shown.nodeId);
  return out;
}
