import { Command, CommanderError } from 'commander';
import { DRIVEUP_VERSION } from '../core/version.ts';
import { toCliError } from './agent-client.ts';
import { CliContext } from './cli-context.ts';
import { registerAdd } from './commands/add-command.ts';
import { registerAgent } from './commands/agent-command.ts';
import { registerAuthCommands } from './commands/auth-commands.ts';
import { registerCompletion } from './commands/completion-command.ts';
import { registerDoctor } from './commands/doctor-command.ts';
import { registerHistory } from './commands/history-command.ts';
import { registerLogs } from './commands/logs-command.ts';
import { registerOpen } from './commands/open-command.ts';
import { registerQueueCommands } from './commands/queue-commands.ts';
import { registerSettingsCommands } from './commands/settings-commands.ts';
import { registerStatus } from './commands/status-command.ts';
import { registerWatchCommands } from './commands/watch-commands.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { EXAMPLES_AND_EXIT_CODES, settingsKeysHelp, wantsHelp } from './help-text.ts';
import { escapeControlKeepingLines } from './terminal-text.ts';

export interface ProgramOptions {
  /** The settings keys for `--help`, loaded only when help is asked for (see runCli). */
  settingsHelp?: string;
}

function buildProgram(ctx: CliContext, options: ProgramOptions = {}): Command {
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
  for (const register of [
    registerAgent,
    registerStatus,
    registerAdd,
    registerQueueCommands,
    registerWatchCommands,
    registerHistory,
    registerAuthCommands,
    registerSettingsCommands,
    registerLogs,
    registerDoctor,
    registerOpen,
  ]) {
    register(program, ctx);
  }
  registerCompletion(program);
  program.addHelpText('after', `${EXAMPLES_AND_EXIT_CODES}${options.settingsHelp ?? ''}`);
  if (options.settingsHelp)
    program.commands
      .find((c) => c.name() === 'settings')
      ?.addHelpText('after', options.settingsHelp);
  // Subcommands inherit the error behaviour so usage errors exit 2 everywhere.
  program.commands.forEach(function inherit(cmd: Command) {
    cmd.exitOverride();
    cmd.commands.forEach(inherit);
  });
  return program;
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
  try {
    const settingsHelp = wantsHelp(argv.slice(2))
      ? settingsKeysHelp((await import('./settings-keys.ts')).settingKeys(), process.stdout.columns)
      : undefined;
    await buildProgram(ctx, { settingsHelp }).parseAsync(argv);
    const [unhandled] = options.unhandledRejections?.() ?? [];
    if (unhandled !== undefined && !process.exitCode) return report(unhandled, ctx, env);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    return report(error, ctx, env);
  }
}

function report(error: unknown, ctx: CliContext, env: NodeJS.ProcessEnv): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; they already printed what they had to.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
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
