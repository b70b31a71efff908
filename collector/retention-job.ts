import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '#shared/log.js';
import type { RetentionSweeper, SweepResult } from './store/retention.js';

export interface RetentionJobOptions {
  /** Seconds between sweeps. Default: 10. */
  intervalSeconds: number;
  logger: Logger;
  onSweep?: (result: SweepResult) => void;
}

/**
 * Runs the retention sweep on a node-cron schedule. The cron task ticks once a second and a
 * sweep runs when the interval has passed, so any interval in whole seconds is exact (cron
 * steps like `*\/7` are not); `requestSweep()` makes the next tick sweep at once, which the
 * ingest path uses when the cap is exceeded. Sweeps never overlap.
 */
export class RetentionJob {
  readonly #sweeper: RetentionSweeper;
  readonly #options: RetentionJobOptions;
  readonly #task: ScheduledTask;
  #lastSweepMs = Date.now();
  #requested = false;
  #running: Promise<SweepResult> | undefined;

  constructor(sweeper: RetentionSweeper, options: RetentionJobOptions) {
    this.#sweeper = sweeper;
    this.#options = options;
    this.#task = createTask('* * * * * *', () => this.#tick(), {
      name: 'routetrace-retention',
      noOverlap: true,
      suppressMissedWarning: true,
      unref: true,
    });
  }

  start(): void {
    void this.#task.start();
  }

  /** Sweep at the next tick (within a second). */
  requestSweep(): void {
    this.#requested = true;
  }

  /** Sweeps now; while a sweep is running, returns that sweep. */
  runNow(): Promise<SweepResult> {
    this.#running ??= this.#sweeper
      .sweep()
      .then((result) => {
        this.#options.onSweep?.(result);
        return result;
      })
      .finally(() => {
        this.#running = undefined;
        this.#lastSweepMs = Date.now();
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    await this.#task.destroy();
    await this.#running?.catch(() => undefined);
  }

  async #tick(): Promise<void> {
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
