import { Agent, request } from 'undici';
import type { IngestResult } from '#shared/batch.js';
import { withoutTrailingSlash } from '#shared/url.js';

/**
 * What a batch send came to, as a value (the exporter never has to catch): `retryable` for
 * network errors, timeouts, 429, 502, 503 and 504 (with the server's Retry-After when it gave one).
 */
export type IngestOutcome =
  | { kind: 'accepted'; result: IngestResult }
  | { kind: 'retryable'; reason: string; retryAfterMs: number | undefined }
  | { kind: 'rejected'; status: number; reason: string };

/** One envelope (`shared/batch.ts`'s BatchEnvelope) with its records already as JSON text. */
export interface SerializedBatch {
  records: readonly string[];
  proxyId: string;
  dropped: number;
}

/**
 * The envelope's JSON as UTF-8 bytes, each record's text written once into one buffer (no join
 * into a ~200 KB string that is then encoded again); into `reuse` when it has room (a view of it
 * is returned), else into a buffer of its own (never Node's shared pool, so it can be reused in turn).
 */
export function envelopeBytes(batch: SerializedBatch, reuse?: Buffer): Buffer {
  const tail = `],"proxy_id":${JSON.stringify(batch.proxyId)},"dropped":${batch.dropped}}`;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  let most = 16 + batch.records.length + tail.length * 3;
  for (const record of batch.records) most += record.length * 3;
  const out = reuse !== undefined && reuse.length >= most ? reuse : Buffer.allocUnsafeSlow(most);
  let at = out.write('{"records":[', 0, 'latin1');
  for (let i = 0; i < batch.records.length; i++) {
    if (i > 0) at += out.write(',', at, 'latin1');
    at += out.write(batch.records[i] as string, at, 'utf8');
  }
  at += out.write(tail, at, 'utf8');
  return out.subarray(0, at);
}

/** What the exporter needs from a transport: one POST of one envelope, as an outcome value. */
export interface IngestSender {
  sendBatch(batch: SerializedBatch, timeoutMs: number): Promise<IngestOutcome>;
  close?(): Promise<void>;
}

/** Statuses worth sending the same batch again for (the collector is busy or restarting), as OpenTelemetry's exporters decide. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** The most of an ingest answer read: a result lists at most one batch's rejections. */
export const MAX_INGEST_ANSWER_BYTES = 256 * 1024;

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isIngestResult(body: unknown): body is IngestResult {
  return typeof body === 'object' && body !== null && 'accepted' in body && 'rejected' in body && Array.isArray(body.rejected);
}

function describe(status: number, body: unknown): string {
  const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) return `${status} ${String(error.code)}: ${String(error.message)}`;
  return `collector answered ${status}`;
}

/**
 * POSTs batches to the collector's `/v1/traces` over a keep-alive undici Agent. undici's
 * `request` costs ~65–90 µs of CPU per POST here against ~365–505 µs for `fetch` (measured, same
 * run), which matters now that an idle proxy sends each record at once. Never rejects:
 * network errors, timeouts, 429, 502, 503 and 504 are `retryable` (with Retry-After); any
 * other status is final; the answer is read up to MAX_INGEST_ANSWER_BYTES only.
 */
export class BatchSender implements IngestSender {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #agent = new Agent({ keepAliveTimeout: 4000, connections: 4 });
  /**
   * The last envelope's memory, for the next one: a fresh ~200 KB string and buffer per POST
   * cost page faults and their zeroing (~1.5% of a traced proxy's CPU samples at -c16, perf).
   * Handed to one POST at a time, and kept only after a 2xx (the collector read the whole body,
   * so nothing still reads it).
   */
  #spareEnvelope: Buffer | undefined;

  constructor(options: { baseUrl: string; ingestToken?: string }) {
    this.#url = `${withoutTrailingSlash(options.baseUrl)}/v1/traces`;
    this.#headers = { 'content-type': 'application/json' };
    if (options.ingestToken !== undefined) this.#headers.authorization = `Bearer ${options.ingestToken}`;
  }

  async sendBatch(batch: SerializedBatch, timeoutMs: number): Promise<IngestOutcome> {
    let status: number;
    let retryAfter: number | undefined;
    let text: string;
    let truncated = false;
    const memory = this.#spareEnvelope;
    this.#spareEnvelope = undefined;
    const envelope = envelopeBytes(batch, memory);
    try {
      const response = await request(this.#url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: this.#headers,
        body: envelope,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.statusCode;
      retryAfter = retryAfterMs(response.headers['retry-after']);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > MAX_INGEST_ANSWER_BYTES) {
          truncated = true;
          response.body.destroy();
          break;
        }
        chunks.push(buffer);
      }
      text = truncated ? '' : Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { kind: 'retryable', reason: `${error instanceof Error ? error.message : String(error)}${cause}`, retryAfterMs: undefined };
    }
    if (RETRYABLE_STATUSES.has(status)) return { kind: 'retryable', reason: `collector answered ${status}`, retryAfterMs: retryAfter };
    let body: unknown;
    try {
      body = truncated ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    // A 2xx stored the batch even when its answer is unreadable; a 400 that carries an ingest
    // result is a batch the collector processed (every record invalid).
    if (status >= 200 && status < 300) {
      // A fresh envelope is a view of a buffer of its own (allocUnsafeSlow): keep all of it.
      this.#spareEnvelope = memory !== undefined && envelope.buffer === memory.buffer ? memory : Buffer.from(envelope.buffer, 0, envelope.buffer.byteLength);
      return { kind: 'accepted', result: isIngestResult(body) ? body : { accepted: batch.records.length, duplicates: 0, rejected: [] } };
    }
    if (status === 400 && isIngestResult(body)) return { kind: 'accepted', result: body };
    return { kind: 'rejected', status, reason: truncated ? `collector answered ${status} with an oversized body` : describe(status, body) };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
