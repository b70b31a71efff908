import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A debug-level logger whose JSON lines the test can read back (to check what logs never show). */
export function captureLogger(): { logger: Logger; text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), text: () => text };
}
