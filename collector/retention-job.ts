import type { Logger } from '#shared/log.js';
import type { RetentionSweep, SweepResult } from './store/trace-store.js';

export interface RetentionJobOptions {
  /** Seconds between sweeps. Default: 10. */
  intervalSeconds: number;
  logger: Logger;
  onSweep?: (result: SweepResult) => void;
}

/** How often the job checks whether a sweep is due or was requested. */
const TICK_MS = 1000;

/**
 * Runs the retention sweep every `intervalSeconds`. A 1 s `setInterval` (unref'd: it never keeps
 * the process alive) checks whether a sweep is due, so any interval in whole seconds is exact;
 * `requestSweep()` makes the next tick sweep at once, which the ingest path uses when the cap
 * is exceeded. Sweeps never overlap. (node-cron was used here as a 1 Hz ticker; the interval is
 * a number of seconds, not a cron expression, so a timer says the same with no dependency.)
 */
export class RetentionJob {
  readonly #sweeper: RetentionSweep;
  readonly #options: RetentionJobOptions;
  readonly #sweepListeners = new Set<(result: SweepResult) => void>();
  #timer: NodeJS.Timeout | undefined;
  #lastSweepMs = Date.now();
  #requested = false;
  #running: Promise<SweepResult> | undefined;

  constructor(sweeper: RetentionSweep, options: RetentionJobOptions) {
    this.#sweeper = sweeper;
    this.#options = options;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.#tick(), TICK_MS).unref();
  }

  /** Sweep at the next tick (within a second). */
  requestSweep(): void {
    this.#requested = true;
  }

  /** Resolves with the result of the next sweep that completes (scheduled, requested or direct). */
  nextSweep(): Promise<SweepResult> {
    return new Promise((resolve) => {
      const listener = (result: SweepResult): void => {
        this.#sweepListeners.delete(listener);
        resolve(result);
      };
      this.#sweepListeners.add(listener);
    });
  }

  /** Sweeps now; while a sweep is running, returns that sweep. */
  runNow(): Promise<SweepResult> {
    this.#running ??= this.#sweeper
      .sweep()
      .then((result) => {
        this.#options.onSweep?.(result);
        for (const listener of [...this.#sweepListeners]) listener(result);
        return result;
      })
      .finally(() => {
        this.#running = undefined;
        this.#lastSweepMs = Date.now();
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  async #tick(): Promise<void> {
    if (this.#running !== undefined) return;
    const due = Date.now() - this.#lastSweepMs >= this.#options.intervalSeconds * 1000;
    if (!due && !this.#requested) return;
    this.#requested = false;
    try {
      await this.runNow();
    } catch (error) {
      this.#options.logger.error({ err: error }, 'retention sweep failed');
    }
  }
}
