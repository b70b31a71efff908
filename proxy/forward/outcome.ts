import type { TraceStatus } from '#shared/record.js';

export interface Outcome {
  status: TraceStatus;
  error: string | undefined;
}

/**
 * A finished response: a 5xx, or an error event inside a 200 stream, is `failed` (the worker
 * could not serve it); a 4xx is `completed` (the worker served a bad request) with the worker's
 * message as error.
 */
export function classifyResponse(httpStatus: number, workerSaid: string | undefined): Outcome {
  const said = workerSaid === undefined ? '' : `: ${workerSaid}`;
  if (httpStatus >= 500) return { status: 'failed', error: `worker answered ${httpStatus}${said}` };
  if (httpStatus >= 400) return { status: 'completed', error: `worker answered ${httpStatus}${said}` };
  if (workerSaid !== undefined) return { status: 'failed', error: `worker sent an error: ${workerSaid}` };
  return { status: 'completed', error: undefined };
}

/** Errors raised while connecting: the worker never saw a byte of the request. */
const CONNECT_ERRORS: Readonly<Record<string, true>> = {
  ECONNREFUSED: true,
  EHOSTUNREACH: true,
  ENETUNREACH: true,
  ENOTFOUND: true,
  EAI_AGAIN: true,
  UND_ERR_CONNECT_TIMEOUT: true,
};

/** Errors of an established connection that the worker closed or reset. */
const SOCKET_ERRORS: Readonly<Record<string, true>> = { ECONNRESET: true, EPIPE: true, UND_ERR_SOCKET: true, UND_ERR_CLOSED: true };

/**
 * Whether a failed attempt may be sent again: only when the worker provably did not receive
 * the request, because an LLM generation is not idempotent and costs GPU time. Provable: the
 * connection was never made, or it broke before the request's last byte was written (a worker
 * cannot act on a body it has not got). A reset after the whole request was written is NOT
 * retried: the worker may be generating (a stale keep-alive socket is prevented at its root
 * instead: the pool's idle timeout is below the workers').
 */
export function mayRetry(errorCode: string, requestFullyWritten: boolean): boolean {
  if (CONNECT_ERRORS[errorCode] === true) return true;
  return SOCKET_ERRORS[errorCode] === true && !requestFullyWritten;
}

export function errorCodeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

/** `<url>: <message> (<code>)`, the code only when the message does not already say it. */
export function describeUpstreamError(url: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCodeOf(error);
  return `${url}: ${message}${code !== '' && !message.includes(code) ? ` (${code})` : ''}`;
}
