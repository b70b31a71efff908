import { Pool } from 'undici';

/**
 * One undici Pool per upstream origin, made once. Keep-alive sockets are closed after 4 s idle,
 * below uvicorn's 5 s default (SGLang's server): the proxy closes an idle socket before the
 * worker can, so a request is never written into a socket the worker is closing (the race that
 * made resets after a fully written request ambiguous). A worker's shorter `Keep-Alive:
 * timeout` hint is honoured, less 1 s. No undici header/body timeouts: the proxy's own deadline
 * applies, and none once a stream has started.
 */
const POOL_OPTIONS = {
  keepAliveTimeout: 4000,
  keepAliveMaxTimeout: 4000,
  keepAliveTimeoutThreshold: 1000,
  headersTimeout: 0,
  bodyTimeout: 0,
  pipelining: 1,
} as const;

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();

  /** The pool for `origin` (a base URL; its path is ignored). */
  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(new URL(origin).origin, POOL_OPTIONS);
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Upstream sockets in use and idle, over every pool. */
  sockets(): { active: number; idle: number } {
    let active = 0;
    let idle = 0;
    for (const pool of this.#pools.values()) {
      const { connected, free } = pool.stats;
      active += connected - free;
      idle += free;
    }
    return { active, idle };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()));
  }
}
