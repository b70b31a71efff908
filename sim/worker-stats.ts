import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { GenerationOutcome } from './engine.js';

export interface SimRequestLog {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Epoch ms (sub-ms precision) when the request arrived. */
  receivedAt: number;
}

export interface SimStats {
  name: string;
  /** Generation requests (/generate, /v1/completions, /v1/chat/completions) received. */
  requests: number;
  requestsByPath: Record<string, number>;
  /** Every `rid` seen in generation request bodies, in arrival order. */
  rids: string[];
  /** Generation requests whose client closed the connection before the answer ended. */
  clientAborts: number;
  /** Epoch ms (sub-ms precision) of each of those closes. */
  abortTimes: number[];
  running: number;
  waiting: number;
  cacheTokens: number;
  /** The last 200 requests of any kind, oldest first. */
  recent: SimRequestLog[];
}

/**
 * What tests wait on instead of sleeping. `generation` fires once a generation request's body is
 * parsed, just before it reaches the engine's scheduler (listeners that resume later see it
 * running or waiting); `clientAbort` when a client left before the answer ended; `generationEnd`
 * when the engine is done with a request, however it ended.
 */
export interface SimEvents {
  generation: [rids: string[]];
  clientAbort: [];
  generationEnd: [kind: GenerationOutcome['kind']];
}

/** Engine figures read at snapshot time. */
export interface EngineFigures {
  running: number;
  waiting: number;
  cacheTokens: number;
}

const RECENT_REQUESTS = 200;

const nowMs = (): number => performance.timeOrigin + performance.now();

/** What a simulated worker saw, for tests (`worker.stats()`) and `GET /sim/stats`. */
export class SimStatsRecorder {
  readonly events = new EventEmitter<SimEvents>();
  #requests = 0;
  readonly #requestsByPath: Record<string, number> = {};
  readonly #rids: string[] = [];
  #clientAborts = 0;
  readonly #abortTimes: number[] = [];
  readonly #recent: SimRequestLog[] = [];

  /** Any request, as it arrives. */
  arrived(method: string, path: string, headers: IncomingMessage['headers']): void {
    this.#requestsByPath[path] = (this.#requestsByPath[path] ?? 0) + 1;
    this.#recent.push({ method, path, headers, receivedAt: nowMs() });
    if (this.#recent.length > RECENT_REQUESTS) this.#recent.shift();
  }

  generationRequest(): void {
    this.#requests++;
  }

  /** A generation request parsed, about to be handed to the engine. */
  accepted(rids: string[]): void {
    this.#rids.push(...rids);
    this.events.emit('generation', rids);
  }

  clientAborted(): void {
    this.#clientAborts++;
    this.#abortTimes.push(nowMs());
    this.events.emit('clientAbort');
  }

  generationEnded(kind: GenerationOutcome['kind']): void {
    this.events.emit('generationEnd', kind);
  }

  snapshot(name: string, engine: EngineFigures): SimStats {
    return {
      name, requests: this.#requests, requestsByPath: { ...this.#requestsByPath }, rids: [...this.#rids],
      clientAborts: this.#clientAborts, abortTimes: [...this.#abortTimes], running: engine.running,
      waiting: engine.waiting, cacheTokens: engine.cacheTokens, recent: [...this.#recent],
    };
  }
}
