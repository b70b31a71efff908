import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * JSON lines on stdout. Lifecycle and errors log at info/warn; per-request lines only at debug,
 * so the forwarding path pays for a disabled level check and nothing more.
 */
export function createLogger(name: string, level: LogLevel = 'info'): Logger {
  return pino({ name, level, timestamp: pino.stdTimeFunctions.isoTime });
}

/** For tests and embedding: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
