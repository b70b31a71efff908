import { FlagError, formatHelp, parseFlags, type FlagSpec, type FlagValues } from './flags.js';
import { packageVersion } from '../version.js';
import { unsupportedNodeMessage } from './node-version.js';

export interface Stoppable {
  close(): Promise<void>;
}

export interface CommandDefinition<Options> {
  program: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** Turns parsed flags into options; throws FlagError for combinations that do not fit. */
  toOptions(values: FlagValues): Options;
  start(options: Options): Promise<Stoppable>;
}

/**
 * The shared life of a routetrace command: --help and --version, exit status 2 with one line
 * naming the flag on bad input, and a clean stop on SIGINT/SIGTERM (a second signal forces exit).
 */
export async function runCommand<Options>(definition: CommandDefinition<Options>, argv = process.argv.slice(2)): Promise<void> {
  const tooOld = unsupportedNodeMessage(definition.program);
  if (tooOld !== undefined) {
    process.stderr.write(`${tooOld}\n`);
    process.exit(2);
  }
  let options: Options;
  try {
    const parsed = parseFlags(definition.flags, argv, process.env);
    if (parsed.help) {
      process.stdout.write(`${formatHelp(`${definition.program} [options]`, definition.summary, definition.flags)}\n`);
      return;
    }
    if (parsed.version) {
      process.stdout.write(`${definition.program} ${packageVersion()}\n`);
      return;
    }
    options = definition.toOptions(parsed.values);
  } catch (error) {
    if (error instanceof FlagError) {
      process.stderr.write(`${definition.program}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  let running: Stoppable;
  try {
    running = await definition.start(options);
  } catch (error) {
    process.stderr.write(`${definition.program}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${definition.program}: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${definition.program}: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
