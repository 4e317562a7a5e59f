import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Db, databasePath, openDatabase } from './database.ts';
import { SextantError } from './errors.ts';
import type { Network } from './network.ts';
import type { Settings } from './settings.ts';

/** What a CLI command gets: the settings, and where to write (stdout for results, stderr for progress). */
export type CommandContext = {
  settings: Settings;
  /** The network the settings select (the running devnet's manifest, or a registry entry + RPC_URL). */
  network: () => Network;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
};

/** One `sextant` subcommand. Each module exports its own; app/cli.ts lists them. */
export type Command = {
  name: string;
  /** The full help text, printed by `sextant NAME --help`. */
  help: string;
  /**
   * The help for what argv names, when it has one of its own (a subcommand's: `sextant emissions
   * settle --help`); undefined for the command's own help. The CLI asks it before any settings load.
   */
  helpFor?(argv: string[]): string | undefined;
  /** Returns the exit code. */
  run(argv: string[], context: CommandContext): Promise<number>;
};

/** How a subcommand runs, given the arguments after its name. */
export type SubcommandRun = (argv: string[], context: CommandContext) => Promise<number>;

/**
 * A command's subcommands by name (`sextant skills list`, `sextant router serve`, ...). One that has a
 * help of its own is `{ help, run }`: `--help` after its name prints that help instead of running it.
 */
export type Subcommands = Record<string, SubcommandRun | { help: string; run: SubcommandRun }>;

/**
 * Runs the subcommand argv names; an unknown or missing one is a UsageError listing the others
 * (`example`, when given, is a line to try instead of the pointer to the command's help).
 */
export function dispatchSubcommand(command: string, subcommands: Subcommands, example?: string): Command['run'] {
  return async (argv, context) => {
    const [name, ...rest] = argv;
    // Own keys only: "constructor" or "toString" is no subcommand.
    const subcommand = name && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
    if (!subcommand) throw unknownSubcommand(command, name, Object.keys(subcommands), example);
    if (typeof subcommand === 'function') return subcommand(rest, context);
    if (asksForHelp(rest)) {
      context.stdout(`${subcommand.help}\n`);
      return 0;
    }
    return subcommand.run(rest, context);
  };
}

/** The help of the subcommand argv names, if it has its own (for Command.helpFor). */
export function subcommandHelp(subcommands: Subcommands): (argv: string[]) => string | undefined {
  return ([name]) => {
    const subcommand = name && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
    return subcommand && typeof subcommand !== 'function' ? subcommand.help : undefined;
  };
}

/** The UsageError for a missing or unknown subcommand: it names the ones there are. */
export function unknownSubcommand(
  command: string,
  name: string | undefined,
  names: readonly string[],
  example?: string,
): UsageError {
  return new UsageError(name ? `Unknown subcommand "${command} ${name}".` : 'Which subcommand?', {
    hint: example
      ? `One of ${names.join(', ')}: e.g. ${example}`
      : `One of ${names.join(', ')}. Run \`sextant ${command} --help\`.`,
  });
}

/** Whether the arguments ask for help (`--help` or `-h`, wherever they stand). */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export class UsageError extends SextantError {
  override name = 'UsageError';
}

/** node:util's parseArgs, with its errors turned into a UsageError that points at the command's help. */
export function parseCommandArgs<const T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, { hint: `Run \`sextant ${command} --help\` for its options.` });
  }
}

/**
 * Runs `use` on the data directory's database (DATA_DIR/sextant.db) and closes it after, whether
 * `use` returns or throws: for a command that reads or writes a few tables and is done.
 */
export async function withDatabase<T>(dataDir: string, use: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openDatabase(databasePath(dataDir));
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

/** Parses a port given on the command line. */
export function parsePort(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UsageError(`${flag} takes a port number from 1 to 65535, not "${value}".`);
  }
  return port;
}

/**
 * Resolves on the first SIGINT or SIGTERM, for commands that run until stopped. A second signal while
 * shutting down exits at once.
 */
export function untilSignalled(onSecondSignal: () => void = () => process.exit(130)): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) return onSecondSignal();
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/**
 * Runs until the first SIGINT or SIGTERM (returns 0), or until `failure` resolves (prints it, returns
 * 1); either way `stop` runs once before returning. For commands that serve until stopped.
 */
export async function serveUntilStopped(
  stderr: (text: string) => void,
  stop: () => Promise<void>,
  failure: Promise<string> = new Promise(() => {}),
): Promise<number> {
  const outcome = await Promise.race([
    untilSignalled().then((signal) => ({ signal })),
    failure.then((message) => ({ message })),
  ]);
  if ('signal' in outcome) stderr(`\n${outcome.signal}: stopping…\n`);
  else stderr(`error: ${outcome.message}\nStopping the rest.\n`);
  await stop();
  stderr('Stopped.\n');
  return 'signal' in outcome ? 0 : 1;
}
