import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { usageFrom, type Usage } from './usage.js';

/** JSON bodies above this are not parsed for usage (the bytes still pass through). */
export const MAX_OBSERVED_JSON_BYTES = 4 * 1024 * 1024;
/** An event-stream event longer than this stops observation (cumulative /generate text can grow). */
export const MAX_PENDING_EVENT_BYTES = 4 * 1024 * 1024;

/**
 * Watches response bytes as they are forwarded, without holding them back: a JSON body is
 * collected (up to 4 MiB) and parsed at the end; an event stream goes through a spec-complete
 * parser (LF, CR and CRLF line ends, multi-line data) that keeps only the last two `data`
 * events, where SGLang and OpenAI put the final usage.
 */
export class ResponseObserver {
  readonly isEventStream: boolean;
  readonly #isJson: boolean;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #gaveUp = false;
  #decoder: StringDecoder | undefined;
  #parser: EventSourceParser | undefined;
  #sinceEvent = 0;
  #previous: string | undefined;
  #last: string | undefined;
  #result: { usage: Usage | undefined } | undefined;

  constructor(contentType: string | undefined) {
    const type = (contentType ?? '').toLowerCase();
    this.isEventStream = type.startsWith('text/event-stream');
    this.#isJson = !this.isEventStream && type.includes('json');
    if (this.isEventStream) {
      this.#decoder = new StringDecoder('utf8');
      this.#parser = createParser({
        onEvent: (event) => {
          this.#sinceEvent = 0;
          if (event.data === '[DONE]') return;
          this.#previous = this.#last;
          this.#last = event.data;
        },
      });
    }
  }

  push(chunk: Buffer): void {
    if (this.#gaveUp) return;
    if (this.#isJson) {
      this.#bytes += chunk.length;
      if (this.#bytes > MAX_OBSERVED_JSON_BYTES) this.#giveUp();
      else this.#chunks.push(chunk);
      return;
    }
    if (this.#parser === undefined || this.#decoder === undefined) return;
    this.#sinceEvent += chunk.length;
    this.#parser.feed(this.#decoder.write(chunk));
    if (this.#sinceEvent > MAX_PENDING_EVENT_BYTES) this.#giveUp();
  }

  #giveUp(): void {
    this.#gaveUp = true;
    this.#chunks = [];
    this.#parser?.reset();
    this.#previous = undefined;
    this.#last = undefined;
  }

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
        // One chunk (a small answer) is decoded as it is: no copy into a joined buffer first.
        const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
        return usageFrom(JSON.parse((only ?? Buffer.concat(this.#chunks, this.#bytes)).toString('utf8')));
      } catch {
        return undefined;
      }
    }
    // Newest first: the usage chunk (OpenAI) or the final meta_info (/generate) comes last.
    let model: string | undefined;
    for (const data of [this.#last, this.#previous]) {
      if (data === undefined) continue;
      try {
        const usage = usageFrom(JSON.parse(data));
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
