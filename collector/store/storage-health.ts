import { errorCodeOf } from '#shared/guards.js';
import { statSync } from 'node:fs';

export interface StorageState {
  ok: boolean;
  /** Why storage is not ok, for /health and the logs. */
  problem: string | null;
  /** The last write attempt: when, and its SQLite error code if it failed. */
  last_write: { at: string; ok: boolean; error: string | null } | null;
}

/**
 * What /health says about storage: the outcome of the last write (a full disk, a read-only file,
 * a lock held elsewhere all show there first) and whether the path still names the file the
 * collector opened (an unlinked or replaced file keeps "working" on the old inode while nothing
 * reaches the new path: issue 14 item 6).
 */
export class StorageHealth {
  readonly #path: string;
  readonly #inode: number | undefined;
  #lastWrite: { atMs: number; error: string | null } | undefined;

  constructor(path: string) {
    this.#path = path;
    this.#inode = path === ':memory:' ? undefined : inodeOf(path);
  }

  recordWrite(error: unknown): void {
    const code = error === undefined ? null : (errorCodeOf(error) ?? (error instanceof Error ? error.message : 'unknown write error'));
    this.#lastWrite = { atMs: Date.now(), error: code };
  }

  state(): StorageState {
    const lastWrite = this.#lastWrite === undefined ? null : { at: new Date(this.#lastWrite.atMs).toISOString(), ok: this.#lastWrite.error === null, error: this.#lastWrite.error };
    let problem: string | null = null;
    if (this.#inode !== undefined) {
      const now = inodeOf(this.#path);
      if (now === undefined) problem = `database file ${this.#path} was deleted while the collector runs; records go to an unlinked file`;
      else if (now !== this.#inode) problem = `database file ${this.#path} was replaced while the collector runs; records go to the old file`;
    }
    if (problem === null && lastWrite !== null && !lastWrite.ok) problem = `the last write failed (${lastWrite.error ?? 'unknown'})`;
    return { ok: problem === null, problem, last_write: lastWrite };
  }
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}
