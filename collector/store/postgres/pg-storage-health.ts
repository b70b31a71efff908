import { errorCodeOf } from '#shared/guards.js';
import type { StorageState } from '../storage-health.js';
import { isUnavailable } from './pg-connection.js';

/**
 * What /health says about a PostgreSQL store: the last write's outcome, and whether the server
 * answered the collector's latest contact (a write, a read or /health's own counter query).
 * A lost server shows at once on the next contact, and recovery too: no restart needed.
 */
export class PgStorageHealth {
  readonly #location: string;
  #lastWrite: { atMs: number; error: string | null; outage: boolean } | undefined;
  #unreachable: string | null = null;

  constructor(location: string) {
    this.#location = location;
  }

  recordWrite(error: unknown): void {
    this.#lastWrite = { atMs: Date.now(), error: error === undefined ? null : (errorCodeOf(error) ?? 'unknown write error'), outage: isUnavailable(error) };
    this.recordContact(error);
  }

  /** Any round trip's outcome: only an outage (SQLSTATE 08/53/57P) marks the store unreachable. */
  recordContact(error: unknown): void {
    if (error === undefined) this.#unreachable = null;
    else if (isUnavailable(error)) this.#unreachable = errorCodeOf(error) ?? 'unknown';
  }

  state(): StorageState {
    const lastWrite = this.#lastWrite === undefined ? null : { at: new Date(this.#lastWrite.atMs).toISOString(), ok: this.#lastWrite.error === null, error: this.#lastWrite.error };
    let problem: string | null = null;
    if (this.#unreachable !== null) problem = `PostgreSQL at ${this.#location} is unreachable (${this.#unreachable})`;
    // A write lost to an outage stops counting once the server answers again.
    else if (lastWrite !== null && !lastWrite.ok && this.#lastWrite?.outage !== true) problem = `the last write failed (${lastWrite.error ?? 'unknown'})`;
    return { ok: problem === null, problem, last_write: lastWrite };
  }
}
