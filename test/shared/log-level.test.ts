import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '#shared/cli/flags.js';
import { LOG_LEVEL_FLAG, logLevelFrom } from '#shared/cli/log-level.js';

describe('--log-level', () => {
  it('is info by default, ROUTETRACE_LOG_LEVEL over that, the command line over both', () => {
    expect(logLevelFrom(parseFlags([LOG_LEVEL_FLAG], [], {}).values)).toBe('info');
    expect(logLevelFrom(parseFlags([LOG_LEVEL_FLAG], [], { ROUTETRACE_LOG_LEVEL: 'warn' }).values)).toBe('warn');
    expect(logLevelFrom(parseFlags([LOG_LEVEL_FLAG], ['--log-level', 'debug'], { ROUTETRACE_LOG_LEVEL: 'warn' }).values)).toBe('debug');
  });

  it('refuses a level pino does not know, naming the choices', () => {
    expect(() => parseFlags([LOG_LEVEL_FLAG], ['--log-level', 'verbose'], {})).toThrow(
      new FlagError("--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got 'verbose'"),
    );
  });
});
