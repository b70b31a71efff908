import { StringDecoder } from 'node:string_decoder';
import { usageFrom, type Usage } from './usage.js';

/** JSON bodies above this are not parsed for usage (the bytes still pass through). */
export const MAX_OBSERVED_JSON_BYTES = 4 * 1024 * 1024;
/** An event-stream event longer than this stops observation (cumulative /generate text can grow). */
const MAX_PENDING_EVENT_CHARS = 4 * 1024 * 1024;

/**
 * Watches response bytes as they are forwarded, without holding them back: a JSON body is
 * collected (up to 4 MiB) and parsed at the end; an event stream keeps only its last two
 * `data:` events, where SGLang and OpenAI put the final usage.
 */
export class ResponseObserver {
  readonly #isEventStream: boolean;
  readonly #isJson: boolean;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #gaveUp = false;
  #decoder = new StringDecoder('utf8');
  #pending = '';
  #lastEvents: string[] = [];

  constructor(contentType: string | undefined) {
    const type = (contentType ?? '').toLowerCase();
    this.#isEventStream = type.startsWith('text/event-stream');
    this.#isJson = !this.#isEventStream && type.includes('json');
  }

  get isEventStream(): boolean {
    return this.#isEventStream;
  }

  push(chunk: Buffer): void {
    if (this.#gaveUp) return;
    if (this.#isJson) {
      this.#bytes += chunk.length;
      if (this.#bytes > MAX_OBSERVED_JSON_BYTES) {
        this.#gaveUp = true;
        this.#chunks = [];
      } else this.#chunks.push(chunk);
      return;
    }
    if (!this.#isEventStream) return;
    this.#pending += this.#decoder.write(chunk);
    let end: number;
    while ((end = this.#pending.indexOf('\n\n')) !== -1) {
      const event = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end + 2);
      if (event.startsWith('data:') && !event.startsWith('data: [DONE]')) {
        this.#lastEvents.push(event);
        if (this.#lastEvents.length > 2) this.#lastEvents.shift();
      }
    }
    if (this.#pending.length > MAX_PENDING_EVENT_CHARS) {
      this.#gaveUp = true;
      this.#pending = '';
    }
  }

  #result: { usage: Usage | undefined } | undefined;

  /** The usage found (or undefined), after the last chunk; computed once, however often asked. */
  finish(): Usage | undefined {
    this.#result ??= { usage: this.#parse() };
    this.#chunks = [];
    return this.#result.usage;
  }

  #parse(): Usage | undefined {
    if (this.#gaveUp) return undefined;
    if (this.#isJson) {
      try {
        return usageFrom(JSON.parse(Buffer.concat(this.#chunks, this.#bytes).toString('utf8')));
      } catch {
        return undefined;
      }
    }
    // Newest first: the usage chunk (OpenAI) or the final meta_info (/generate) comes last.
    let model: string | undefined;
    for (let i = this.#lastEvents.length - 1; i >= 0; i--) {
      const event = this.#lastEvents[i] ?? '';
      try {
        const usage = usageFrom(JSON.parse(event.slice(event.indexOf(':') + 1)));
        if (usage?.error !== undefined) return usage;
        if (usage?.promptTokens !== undefined) return { ...usage, model: usage.model ?? model };
        model ??= usage?.model;
      } catch {
        // not JSON: keep looking
      }
    }
    return model === undefined ? undefined : { model };
  }
}
