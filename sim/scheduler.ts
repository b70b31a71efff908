/**
 * At most `maxRunning` requests run at once; the rest wait in FIFO order. This is what makes
 * `/get_load`'s num_waiting_reqs real.
 */
export class Scheduler {
  maxRunning: number;
  #running = 0;
  #waiting: Array<() => void> = [];

  constructor(maxRunning: number) {
    this.maxRunning = maxRunning;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves when a slot is free; `cancel` removes a waiter that gave up. */
  acquire(): { ready: Promise<void>; cancel: () => void } {
    if (this.#running < this.maxRunning) {
      this.#running++;
      return { ready: Promise.resolve(), cancel: () => undefined };
    }
    let wake: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      wake = () => {
        this.#running++;
        resolve();
      };
      this.#waiting.push(wake);
    });
    return {
      ready,
      cancel: () => {
        this.#waiting = this.#waiting.filter((waiter) => waiter !== wake);
      },
    };
  }

  release(): void {
    this.#running--;
    const next = this.#waiting.shift();
    if (next !== undefined) next();
  }
}
