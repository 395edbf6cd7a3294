import { Command, CommanderError } from 'commander';
import { DRIVEUP_VERSION } from '../core/version.ts';
import { toCliError } from './agent-client.ts';
import { CliContext } from './cli-context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { EXAMPLES_AND_EXIT_CODES, settingsKeysHelp, wantsHelp } from './help-text.ts';
import { escapeControlKeepingLines } from './terminal-text.ts';

type Registrar = (program: Command, ctx: CliContext) => void;

/**
 * Every command, by the names it registers, in the order help lists them. A command's module
 * (and what it imports: tables, schemas, progress bars) is loaded only when that command runs:
 * `driveup status` is a round trip to the agent, and loading every command first tripled it.
 */
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Registrar>]> =
  [
    [['agent'], async () => (await import('./commands/agent-command.ts')).registerAgent],
    [
      ['status', 'whoami'],
      async () => (await import('./commands/status-command.ts')).registerStatus,
    ],
    [['add'], async () => (await import('./commands/add-command.ts')).registerAdd],
    [
      ['queue', 'pause', 'resume', 'retry', 'cancel'],
      async () => (await import('./commands/queue-commands.ts')).registerQueueCommands,
    ],
    [['watch'], async () => (await import('./commands/watch-commands.ts')).registerWatchCommands],
    [['history'], async () => (await import('./commands/history-command.ts')).registerHistory],
    [
      ['signin', 'signout'],
      async () => (await import('./commands/auth-commands.ts')).registerAuthCommands,
    ],
    [
      ['settings'],
      async () => (await import('./commands/settings-commands.ts')).registerSettingsCommands,
    ],
    [['logs'], async () => (await import('./commands/logs-command.ts')).registerLogs],
    [['doctor'], async () => (await import('./commands/doctor-command.ts')).registerDoctor],
    [['open'], async () => (await import('./commands/open-command.ts')).registerOpen],
  ];

export interface ProgramOptions {
  /** The settings keys for `--help`, loaded only when help is asked for (see runCli). */
  settingsHelp?: string;
  /**
   * The command about to run: only its module is loaded. Every command when absent (help,
   * completion, a name that is no command, which commander then explains).
   */
  only?: string;
  /** `--json` is on the line: usage errors are left to `report`, which words them as JSON. */
  jsonErrors?: boolean;
}

export async function buildProgram(
  ctx: CliContext,
  options: ProgramOptions = {},
): Promise<Command> {
  const program = new Command('driveup')
    .description(
      'DriveUp: reliable uploads to Google Drive. Every command but `agent` talks to the running agent.',
    )
    .version(DRIVEUP_VERSION)
    .option('--json', 'print JSON for scripts (stable field names)')
    .showHelpAfterError('(run `driveup --help` for usage)')
    .exitOverride()
    .hook('preAction', (command) => {
      ctx.json = Boolean(command.optsWithGlobals().json);
    });
  program.configureHelp({ showGlobalOptions: true });
  const wanted = COMMANDS.filter(([names]) => !options.only || names.includes(options.only));
  for (const register of await Promise.all(wanted.map(([, load]) => load()))) {
    register(program, ctx);
  }
  if (!options.only) (await import('./commands/completion-command.ts')).registerCompletion(program);
  program.addHelpText('after', `${EXAMPLES_AND_EXIT_CODES}${options.settingsHelp ?? ''}`);
  if (options.settingsHelp)
    program.commands
      .find((c) => c.name() === 'settings')
      ?.addHelpText('after', options.settingsHelp);
  // Subcommands inherit the error behaviour so usage errors exit 2 everywhere.
  (function inherit(cmd: Command) {
    cmd.exitOverride();
    if (options.jsonErrors)
      cmd.configureOutput({ outputError: () => {} }).showHelpAfterError(false);
    cmd.commands.forEach(inherit);
  })(program);
  return program;
}

/** The command named on the line, when it is one whose module may be loaded alone. */
function commandToRun(args: readonly string[]): string | undefined {
  if (wantsHelp(args)) return undefined;
  const name = args.find((arg) => !arg.startsWith('-'));
  return COMMANDS.some(([names]) => name !== undefined && names.includes(name)) ? name : undefined;
}

export interface RunOptions {
  /**
   * Errors that were rejected but never awaited (a subscription that failed while the command
   * waited on something else). Reported only if the command itself reported nothing: they are
   * the same failure seen twice.
   */
  unhandledRejections?: () => unknown[];
}

/** Runs the command line and returns the exit code; never throws. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  options: RunOptions = {},
): Promise<ExitCode | number> {
  const ctx = new CliContext(env);
  // A usage error comes before any command runs (and sets ctx.json), so it is read off the line.
  const jsonErrors = asksForJson(argv.slice(2));
  try {
    const settingsHelp = wantsHelp(argv.slice(2))
      ? settingsKeysHelp((await import('./settings-keys.ts')).settingKeys(), process.stdout.columns)
      : undefined;
    const program = await buildProgram(ctx, {
      settingsHelp,
      only: commandToRun(argv.slice(2)),
      jsonErrors,
    });
    await program.parseAsync(argv);
    const [unhandled] = options.unhandledRejections?.() ?? [];
    if (unhandled !== undefined && !process.exitCode)
      return report(unhandled, ctx, env, jsonErrors);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    return report(error, ctx, env, jsonErrors);
  }
}

/** `--json` among the options (not after `--`, where it would be a file name). */
function asksForJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

function report(
  error: unknown,
  ctx: CliContext,
  env: NodeJS.ProcessEnv,
  jsonErrors: boolean,
): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; they already printed what they had to.
    if (error.exitCode === 0) return EXIT.ok;
    if (jsonErrors) {
      const message = `${error.message.replace(/^error: /, '')} (run \`driveup --help\` for usage)`;
      process.stderr.write(`${JSON.stringify({ error: message, exitCode: EXIT.usage })}\n`);
    }
    return EXIT.usage;
  }
  const known = error instanceof CliError ? error : toCliError(error, ctx.paths);
  const message = known?.message ?? `DriveUp failed: ${(error as Error)?.message ?? String(error)}`;
  if (ctx.json)
    process.stderr.write(
      `${JSON.stringify({ error: message, exitCode: known?.code ?? EXIT.failed })}\n`,
    );
  else process.stderr.write(`${escapeControlKeepingLines(message)}\n`);
  if (env.DRIVEUP_LOG_LEVEL === 'debug' && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  return known?.code ?? EXIT.failed;
}
