const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;

/**
 * Writes JSON as UTF-8 straight into a Buffer, from `at`: no string is built per field, and the
 * usual values (ASCII text with nothing to escape, non-negative integers) are copied byte by
 * byte in JS without a call into C++. Anything else goes through JSON.stringify / String, which
 * write the same text. Never writes past the end: it sets `full` and stops instead, and the
 * caller starts again somewhere bigger.
 */
export class JsonBytes {
  buffer: Buffer;
  at: number;
  /** The buffer ran out; what was written since the caller's start is incomplete. */
  full = false;

  constructor(buffer: Buffer, at = 0) {
    this.buffer = buffer;
    this.at = at;
  }

  /** Starts over at `at` of `buffer`. */
  reset(buffer: Buffer, at: number): void {
    this.buffer = buffer;
    this.at = at;
    this.full = false;
  }

  /** Text the caller knows is JSON already in ASCII (keys, punctuation, `null`, `true`). */
  raw(text: string): void {
    const buffer = this.buffer;
    let at = this.at;
    if (at + text.length > buffer.length) {
      this.full = true;
      return;
    }
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /** A JSON string: printable ASCII without `"` or `\` is copied as is; anything else is JSON.stringify's text. */
  string(text: string): void {
    const buffer = this.buffer;
    let at = this.at;
    if (at + text.length + 2 > buffer.length) {
      this.full = true;
      return;
    }
    buffer[at++] = QUOTE;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code > 0x7e || code === QUOTE || code === BACKSLASH) return this.#escaped(text);
      buffer[at++] = code;
    }
    buffer[at++] = QUOTE;
    this.at = at;
  }

  #escaped(text: string): void {
    const json = JSON.stringify(text);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.at + json.length * 3 > this.buffer.length) {
      this.full = true;
      return;
    }
    this.at += this.buffer.write(json, this.at, 'utf8');
  }

  /** A finite number, as JSON.stringify writes it. */
  number(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) return this.raw(String(value));
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    if (this.at + digits > this.buffer.length) {
      this.full = true;
      return;
    }
    let rest = value;
    for (let i = this.at + digits - 1; i >= this.at; i--) {
      this.buffer[i] = ZERO + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.at += digits;
  }
}
