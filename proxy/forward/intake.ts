import type { IncomingMessage } from 'node:http';
import { isValidRequestId } from '#shared/record.js';
import { generateRequestId } from './ids.js';
import { prepareBody } from './prepare-body.js';
import { declaredLength, readBody } from './read-body.js';
import { takeHeaderRequestId } from './request-id.js';
import { PARSED_PATHS, type RequestFacts } from './sglang-body.js';
import type { ForwarderOptions } from './upstream.js';

export interface Intake {
  requestId: string;
  /** The body as the worker gets it (rid injected), when the proxy read it: SGLang's JSON endpoints. */
  body: Buffer | undefined;
  facts: RequestFacts | undefined;
  tooLarge: boolean;
}

/**
 * A request's id and, on SGLang's JSON endpoints, its body (read whole, up to
 * --max-payload-size) with routing facts and the rid injected. The id: a valid client header,
 * else the body's own rid, else a generated one. Undefined when the client left mid-body:
 * nothing is routed then.
 */
export async function takeIntake(req: IncomingMessage, path: string, options: ForwarderOptions): Promise<Intake | undefined> {
  const headerId = takeHeaderRequestId(req.headers, options.requestIdHeaders);
  let body: Buffer | undefined;
  let facts: RequestFacts | undefined;
  let tooLarge = declaredLength(req) > options.maxPayloadBytes;
  if (!tooLarge && req.method === 'POST' && PARSED_PATHS.has(path)) {
    const read = await readBody(req, options.maxPayloadBytes);
    if (!read.ok && read.reason === 'aborted') return undefined;
    if (read.ok) ({ body, facts } = prepareBody(path, read.body, options.injectRid ? (headerId ?? generateRequestId(path)) : undefined));
    else tooLarge = true;
  }
  const rid = facts?.rid;
  const requestId = headerId ?? (rid !== undefined && isValidRequestId(rid) ? rid : generateRequestId(path));
  return { requestId, body, facts, tooLarge };
}
