import type { ServerResponse } from 'node:http';

/**
 * The ends of a generation request's connection: the client leaving (an abort, counted), the
 * worker dropping it on purpose (`--drop-after-tokens`, not an abort), and requests left hanging
 * (`--hang`) until close().
 */
export class SimConnections {
  readonly #hung = new Set<ServerResponse>();
  readonly #droppedByWorker = new WeakSet<ServerResponse>();
  readonly #onClientAbort: () => void;

  constructor(onClientAbort: () => void) {
    this.#onClientAbort = onClientAbort;
  }

  /** A signal that aborts when the client closes the connection before the answer ended. */
  watchAbort(res: ServerResponse): AbortSignal {
    const controller = new AbortController();
    res.on('close', () => {
      if (res.writableFinished || this.#droppedByWorker.has(res)) return;
      this.#onClientAbort();
      controller.abort();
    });
    return controller.signal;
  }

  /** Closes the connection the way a dying worker process would. */
  drop(res: ServerResponse): void {
    this.#droppedByWorker.add(res);
    const socket = res.socket;
    // Nothing sent yet (a non-streaming answer): close the connection with no response at all.
    if (socket === null || !res.headersSent) {
      res.destroy();
      return;
    }
    // Flush the chunks already written, then close without the final chunk (a broken stream).
    // Node 26 holds the latest write in the HTTP layer until the next tick, where destroySoon()
    // alone lost it: an empty write's callback runs once everything before it reached the socket.
    res.write('', () => socket.destroySoon());
  }

  /** Accepts and never answers; only close() or the client ends it. */
  hang(res: ServerResponse): void {
    this.#hung.add(res);
    res.on('close', () => this.#hung.delete(res));
    this.watchAbort(res);
  }

  destroyHung(): void {
    for (const res of this.#hung) res.destroy();
  }
}
