import { setTimeout as timerSleep } from 'node:timers/promises';
import type { SimConfig } from './options.js';
import { RadixCache } from './radix-cache.js';
import { Scheduler } from './scheduler.js';
import { outputWord, seedOf, tokenize } from './tokenizer.js';

export interface GenerationInput {
  promptTokens: number[];
  maxNewTokens: number;
  /** Streamed requests get onToken per token; others one sleep for the whole decode. */
  stream: boolean;
}

export interface TokenStep {
  /** Output tokens so far (cumulative). */
  outputIds: number[];
  /** Output text so far (cumulative). */
  text: string;
  /** The text this step added. */
  delta: string;
  cachedTokens: number;
}

export type GenerationOutcome =
  | { kind: 'finished'; step: TokenStep; e2eLatencySeconds: number }
  | { kind: 'aborted' }
  | { kind: 'dropped' };

/**
 * A timer costs ~1 ms even at 0 ms: negligible waits are skipped so a fast worker is fast. An
 * aborted signal rejects as timers/promises does, with an AbortError (callers check the signal).
 */
function sleep(ms: number, value: undefined, options: { signal: AbortSignal }): Promise<void> {
  if (ms <= 0.01) return options.signal.aborted ? Promise.reject(new DOMException('The operation was aborted', 'AbortError')) : Promise.resolve(value);
  return timerSleep(ms, value, options);
}

/**
 * The model of one SGLang worker: wait for a running slot, prefill the uncached part of the
 * prompt, decode one token at a time, and cache prompt + output in the prefix cache.
 */
export class SimEngine {
  readonly cache: RadixCache;
  readonly scheduler: Scheduler;
  readonly #options: SimConfig;
  #activeTokens = 0;
  promptTokensTotal = 0;
  generationTokensTotal = 0;
  cachedTokensTotal = 0;

  constructor(options: SimConfig) {
    this.#options = options;
    this.cache = new RadixCache(options.cacheCapacityTokens);
    this.scheduler = new Scheduler(options.maxRunningRequests);
  }

  /** Tokens held by running requests: /get_load's num_tokens. */
  get activeTokens(): number {
    return this.#activeTokens;
  }

  async run(input: GenerationInput, signal: AbortSignal, onToken: (step: TokenStep) => void): Promise<GenerationOutcome> {
    const started = performance.now();
    const slot = this.scheduler.acquire();
    const onAbort = (): void => slot.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    await slot.ready;
    signal.removeEventListener('abort', onAbort);
    if (signal.aborted) {
      this.scheduler.release();
      return { kind: 'aborted' };
    }

    let held = input.promptTokens.length;
    this.#activeTokens += held;
    try {
      // Like SGLang, the last prompt token is always computed (its logits start decoding).
      const cachedTokens = Math.min(this.cache.match(input.promptTokens), Math.max(0, input.promptTokens.length - 1));
      this.promptTokensTotal += input.promptTokens.length;
      this.cachedTokensTotal += cachedTokens;
      const prefillMs = this.#options.firstTokenBaseMs + (input.promptTokens.length - cachedTokens) * this.#options.prefillMsPerToken;
      await sleep(prefillMs, undefined, { signal });
      this.cache.insert(input.promptTokens);

      const seed = seedOf(input.promptTokens);
      const decodeMs = 1000 / this.#options.decodeTokensPerSec;
      const step: TokenStep = { outputIds: [], text: '', delta: '', cachedTokens };
      const drop = this.#options.faults.dropAfterTokens;
      const tokens = drop > 0 ? Math.min(drop, input.maxNewTokens) : input.maxNewTokens;
      // Token i is due at decodeStart + (i + 1) × decodeMs. Sleeping only when ahead of that
      // clock keeps the real rate even when a token takes less than a timer tick (~1 ms).
      const decodeStart = performance.now();
      for (let i = 0; i < tokens; i++) {
        if (input.stream) {
          const wait = decodeStart + (i + 1) * decodeMs - performance.now();
          if (wait > 0) await sleep(wait, undefined, { signal });
        }
        step.delta = outputWord(seed, i);
        step.text += step.delta;
        step.outputIds.push(...tokenize(step.delta));
        this.#activeTokens++;
        held++;
        this.generationTokensTotal++;
        if (input.stream) onToken(step);
      }
      if (!input.stream) await sleep(tokens * decodeMs, undefined, { signal });
      if (tokens < input.maxNewTokens) return { kind: 'dropped' };
      this.cache.insert([...input.promptTokens, ...step.outputIds]);
      return { kind: 'finished', step, e2eLatencySeconds: (performance.now() - started) / 1000 };
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      throw error;
    } finally {
      this.#activeTokens -= held;
      this.scheduler.release();
    }
  }
}
