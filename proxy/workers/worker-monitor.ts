import { isRecord } from '#shared/guards.js';
import { idleTimeoutRequest } from '../client/idle-timeout-request.js';
import type { Logger } from '#shared/log.js';
import type { Backend } from './backend.js';

export interface MonitorOptions {
  /** Seconds between `/health` checks. Default: 10. */
  healthCheckIntervalSecs: number;
  /** Seconds between `/get_load` polls (0: never). Default: 5. */
  loadCheckIntervalSecs: number;
  /** Per-check timeout. Default: 5000 ms. */
  timeoutMs?: number;
}

/** Sums `/get_load`'s entries (one per data-parallel rank). */
export function parseLoad(body: string): { waiting: number; tokens: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  let waiting = 0;
  let tokens = 0;
  for (const entry of entries) {
    if (!isRecord(entry)) return undefined;
    if (typeof entry.num_waiting_reqs === 'number') waiting += entry.num_waiting_reqs;
    if (typeof entry.num_tokens === 'number') tokens += entry.num_tokens;
  }
  return { waiting, tokens };
}

/** First re-probe of a worker that just failed, doubled per failure up to UNHEALTHY_PROBE_MAX_MS. */
export const UNHEALTHY_PROBE_FIRST_MS = 100;
/**
 * The longest gap between probes of an unhealthy worker (or the health interval, when shorter):
 * a worker that starts after the proxy, or comes back, is used within about a second instead
 * of a whole --health-check-interval-secs. One small GET per second per down worker.
 */
export const UNHEALTHY_PROBE_MAX_MS = 1000;

/**
 * Polls each worker's `/health` (healthy on 200) and `/get_load`. The first round runs at once.
 * A worker marked unhealthy is re-probed on its own, faster, with backoff, until it answers.
 * Health changes are logged once per change.
 */
export class WorkerMonitor {
  readonly #workers: readonly Backend[];
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #options: MonitorOptions;
  /** Re-probe timers of unhealthy workers. */
  readonly #probes = new Map<Backend, NodeJS.Timeout>();
  #stopped = false;

  constructor(workers: readonly Backend[], options: MonitorOptions, logger: Logger) {
    this.#workers = workers;
    this.#options = options;
    this.#logger = logger;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /** The first round of health checks, started by start(); start-up does not wait for it. */
  firstCheck: Promise<void> = Promise.resolve();

  start(): void {
    this.firstCheck = this.checkHealth();
    this.#every(this.#options.healthCheckIntervalSecs, () => this.checkHealth());
    if (this.#options.loadCheckIntervalSecs > 0) {
      void this.pollLoad();
      this.#every(this.#options.loadCheckIntervalSecs, () => this.pollLoad());
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const timer of this.#probes.values()) clearTimeout(timer);
    this.#probes.clear();
  }

  async checkHealth(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => this.#probe(worker)));
  }

  /** Marks a worker; used by checks and by the forwarder when a connection is refused. */
  setHealth(worker: Backend, healthy: boolean, reason: string): void {
    if (!healthy) this.#startProbing(worker);
    if (worker.healthy === healthy) return;
    worker.healthy = healthy;
    if (healthy) this.#logger.info({ node_id: worker.nodeId, url: worker.url }, 'worker healthy again');
    else this.#logger.warn({ node_id: worker.nodeId, url: worker.url, reason }, 'worker unhealthy');
  }

  async #probe(worker: Backend): Promise<boolean> {
    let healthy: boolean;
    let reason: string;
    try {
      const { status } = await idleTimeoutRequest(`${worker.url}/health`, { idleTimeoutMs: this.#timeoutMs });
      healthy = status === 200;
      reason = `status ${status}`;
    } catch (error) {
      healthy = false;
      reason = error instanceof Error ? error.message : String(error);
    }
    this.setHealth(worker, healthy, reason);
    return healthy;
  }

  /** Re-probes an unhealthy worker after 100 ms, 200 ms, … up to 1 s (never beyond the interval) until it answers. */
  #startProbing(worker: Backend): void {
    if (this.#stopped || this.#probes.has(worker)) return;
    const maxMs = Math.min(UNHEALTHY_PROBE_MAX_MS, this.#options.healthCheckIntervalSecs * 1000);
    const schedule = (delayMs: number): void => {
      // The timer stays in #probes during the probe, so the failure it reports (setHealth)
      // does not start a second loop.
      const timer = setTimeout(() => {
        void this.#probe(worker).then((healthy) => {
          if (this.#probes.get(worker) !== timer) return; // stopped meanwhile
          this.#probes.delete(worker);
          if (!healthy && !this.#stopped) schedule(Math.min(delayMs * 2, maxMs));
        });
      }, delayMs);
      timer.unref();
      this.#probes.set(worker, timer);
    };
    schedule(Math.min(UNHEALTHY_PROBE_FIRST_MS, maxMs));
  }

  async pollLoad(): Promise<void> {
    await Promise.all(
      this.#workers.map(async (worker) => {
        try {
          const { status, body } = await idleTimeoutRequest(`${worker.url}/get_load`, { idleTimeoutMs: this.#timeoutMs });
          worker.reportedLoad = status === 200 ? parseLoad(body) : undefined;
        } catch {
          worker.reportedLoad = undefined;
        }
      }),
    );
  }

  #every(seconds: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void task().finally(() => (running = false));
    }, seconds * 1000);
    timer.unref();
    this.#timers.push(timer);
  }
}
