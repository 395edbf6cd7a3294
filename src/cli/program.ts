import { Command, CommanderError } from 'commander';
import { DRIVEUP_VERSION } from '../core/version.ts';
import { toCliError } from './agent-client.ts';
import { CliContext } from './cli-context.ts';
import { registerAdd } from './commands/add-command.ts';
import { registerAgent } from './commands/agent-command.ts';
import { registerAuthCommands } from './commands/auth-commands.ts';
import { registerHistory } from './commands/history-command.ts';
import { registerQueueCommands } from './commands/queue-commands.ts';
import { registerSettingsCommands } from './commands/settings-commands.ts';
import { registerStatus } from './commands/status-command.ts';
import { registerWatchCommands } from './commands/watch-commands.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';

export function buildProgram(ctx: CliContext): Command {
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
  ]) {
    register(program, ctx);
  }
  // Subcommands inherit the error behaviour so usage errors exit 2 everywhere.
  program.commands.forEach(function inherit(cmd: Command) {
    cmd.exitOverride();
    cmd.commands.forEach(inherit);
  });
  return program;
}

/** Runs the command line and returns the exit code; never throws. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExitCode | number> {
  const ctx = new CliContext(env);
  try {
    await buildProgram(ctx).parseAsync(argv);
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
  else process.stderr.write(`${message}\n`);
  if (env.DRIVEUP_LOG_LEVEL === 'debug' && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  return known?.code ?? EXIT.failed;
}
