import type { ClientRequest } from 'node:http';
import type { Attribution, Decision, TraceStatus } from '#shared/record.js';
import type { Worker } from '../workers/worker.js';
import type { ResponseObserver } from './response-observer.js';
import type { RequestFacts } from './sglang-body.js';

/** Everything the proxy learns about one request, from arrival to its record. */
export interface RequestContext {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** Epoch ms at arrival: the record's timestamp. */
  readonly timestamp: number;
  /** performance.now() at arrival: durations are measured from here. */
  readonly startedAt: number;
  /** The (possibly rewritten) body, when the proxy read it; a retry can only resend this. */
  readonly body: Buffer | undefined;
  readonly facts: RequestFacts | undefined;
  /** Workers tried so far, the current one last. */
  readonly tried: Worker[];
  /** The worker of the current attempt, while it holds an in-flight slot. */
  active: Worker | undefined;
  proxyReq: ClientRequest | undefined;
  observer: ResponseObserver | undefined;
  /** In-flight requests to the chosen worker when it was chosen (excluding this one). */
  queueSize: number | undefined;
  prefixMatchRate: number | undefined;
  /** Gateway mode: the policy's branch and the candidates' loads, of the latest attempt. */
  decision?: Decision;
  candidateLoads?: Record<string, number>;
  firstByteAt: number | undefined;
  httpStatus: number | undefined;
  /** Front-of-router mode: the worker as the router's response header named it. */
  attributed: { nodeId: string; url: string; attribution: Attribution; dpRank?: number; attempts?: number } | undefined;
  deadline: NodeJS.Timeout | undefined;
  /** The last upstream failure, for the error of a request whose retries ran out. */
  lastError: string | undefined;
  /** Set once, by finish(): the outcome is decided and the record queued. */
  outcome: { status: TraceStatus; error: string | undefined } | undefined;
}
