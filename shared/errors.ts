/**
 * The one error table of routetrace. Both servers answer every error as
 * `{"error": {"code", "message"}}` with the status below; codes are stable and documented in
 * README.md, messages may change.
 */
export const ERROR_TABLE = {
  // Request shape (collector and proxy)
  invalid_json: { status: 400, title: 'The body is not valid JSON' },
  invalid_parameter: { status: 400, title: 'A query parameter is invalid' },
  invalid_batch: { status: 400, title: 'The batch envelope is invalid' },
  no_valid_records: { status: 400, title: 'No record in the batch is valid' },
  unauthorized: { status: 401, title: 'A valid ingest token is required' },
  trace_not_found: { status: 404, title: 'No trace has that request id' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this route' },
  payload_too_large: { status: 413, title: 'The body is too large' },
  unsupported_media_type: { status: 415, title: 'The body must be application/json' },
  internal_error: { status: 500, title: 'Internal error' },
  storage_unavailable: { status: 503, title: 'The trace store is busy or unavailable' },
  ingest_unavailable: { status: 503, title: 'The collector could not check the batch now' },
  too_many_streams: { status: 503, title: 'Too many live-tail streams are open' },
  // Forwarding (proxy)
  worker_unreachable: { status: 502, title: 'The worker could not be reached' },
  collector_unreachable: { status: 502, title: 'The collector could not be reached' },
  no_healthy_worker: { status: 503, title: 'No healthy worker is available' },
  upstream_timeout: { status: 504, title: 'The worker did not answer in time' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorStatus(code: ErrorCode): number {
  return ERROR_TABLE[code].status;
}

/** The JSON body for an error; the message defaults to the table's title. */
export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return { error: { code, message: message ?? ERROR_TABLE[code].title } };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

/** An error that knows its table entry; thrown inside servers and mapped to a response once. */
export class RoutetraceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_TABLE[code].title, options);
    this.name = 'RoutetraceError';
    this.code = code;
    this.status = ERROR_TABLE[code].status;
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message);
  }
}
