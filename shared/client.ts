import type { IngestResult, BatchEnvelope } from './batch.js';
import type { ListQuery, StoredTrace, TraceStats } from './api-types.js';
import type { RoutingRecordInput } from './record.js';
import { isErrorCode, type ErrorCode } from './errors.js';
import { isRecord } from './guards.js';
import { withoutTrailingSlash } from './url.js';

export interface TraceClientOptions {
  /** Collector (or proxy) base URL, e.g. `http://127.0.0.1:30010`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` on ingest only. Default: none. */
  ingestToken?: string;
  /** Per-request timeout in ms. Default: 10000. */
  timeoutMs?: number;
}

/** A non-2xx answer from the API, with the stable code from the error table when it had one. */
export class TraceApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | undefined;
  readonly body: unknown;

  constructor(status: number, code: ErrorCode | undefined, message: string, body: unknown) {
    super(message);
    this.name = 'TraceApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

function describeError(status: number, body: unknown): TraceApiError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && 'code' in error && 'message' in error) {
    const code = isErrorCode(error.code) ? error.code : undefined;
    return new TraceApiError(status, code, `${status} ${String(error.code)}: ${String(error.message)}`, body);
  }
  return new TraceApiError(status, undefined, `HTTP ${status}`, body);
}

/** Typed client of the collector's API; works against the proxy port too (it forwards `/v1/traces…`). */
export class TraceClient {
  readonly #baseUrl: string;
  readonly #ingestToken: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: TraceClientOptions) {
    this.#baseUrl = withoutTrailingSlash(options.baseUrl);
    this.#ingestToken = options.ingestToken;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Stores records; resolves with the collector's answer (also for a 400 of all-invalid records). */
  async ingest(batch: RoutingRecordInput | RoutingRecordInput[] | BatchEnvelope): Promise<IngestResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#ingestToken !== undefined) headers.authorization = `Bearer ${this.#ingestToken}`;
    return this.#request<IngestResult>('POST', '/v1/traces', { headers, body: JSON.stringify(batch) });
  }

  async listTraces(query: ListQuery = {}): Promise<StoredTrace[]> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.#request<StoredTrace[]>('GET', `/v1/traces${search}`);
  }

  /** The latest record for a request id, or null when there is none. */
  async getTrace(requestId: string): Promise<StoredTrace | null> {
    try {
      return await this.#request<StoredTrace>('GET', `/v1/traces/${encodeURIComponent(requestId)}`);
    } catch (error) {
      if (error instanceof TraceApiError && error.code === 'trace_not_found') return null;
      throw error;
    }
  }

  /** Every record for a request id (retries, reused ids), newest first; empty when none. */
  async getTraceHistory(requestId: string): Promise<StoredTrace[]> {
    try {
      return await this.#request<StoredTrace[]>('GET', `/v1/traces/${encodeURIComponent(requestId)}?all=true`);
    } catch (error) {
      if (error instanceof TraceApiError && error.code === 'trace_not_found') return [];
      throw error;
    }
  }

  async stats(options: { windowSeconds?: number } = {}): Promise<TraceStats> {
    const search = options.windowSeconds !== undefined ? `?window=${options.windowSeconds}` : '';
    return this.#request<TraceStats>('GET', `/v1/traces/stats${search}`);
  }

  async #request<T>(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<T> {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      throw new TraceApiError(response.status, undefined, `HTTP ${response.status}: body is not JSON`, text);
    }
    // An all-invalid batch is a 400 that still carries the ingest result.
    const isIngestResult = isRecord(body) && 'rejected' in body;
    if (!response.ok && !(method === 'POST' && isIngestResult)) throw describeError(response.status, body);
    return body as T;
  }
}
