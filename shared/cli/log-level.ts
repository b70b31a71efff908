import { FlagError, type FlagSpec, type FlagValues } from './flags.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';

/** `--log-level`, the same for every command: one environment variable, one default. */
export const LOG_LEVEL_FLAG: FlagSpec = {
  name: 'log-level',
  kind: 'string',
  env: 'ROUTETRACE_LOG_LEVEL',
  default: 'info',
  choices: LOG_LEVELS,
  placeholder: 'LEVEL',
  description: `Log level: ${LOG_LEVELS.join(', ')}.`,
};

/** The parsed `--log-level`; the parser already refused values outside LOG_LEVELS. */
export function logLevelFrom(values: FlagValues): LogLevel {
  const raw = values.string(LOG_LEVEL_FLAG.name) ?? 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (level === undefined) throw new FlagError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got '${raw}'`);
  return level;
}
