import type { Command } from 'commander';
import { UntrustedDirectoryError, type TrustProblem } from '../../core/config/directory-trust.ts';
import { trustWords } from '../trust-words.ts';
import { AgentAlreadyRunningError } from '../../ipc/node/socket-errors.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { keepRunningWithoutOutput } from '../output-drain.ts';

/**
 * The last resort after a stop signal: the host's own deadline (STOP_DEADLINE_MS) has closed the
 * database by then; this only catches a host that hangs even so.
 */
const FORCED_EXIT_MS = 9500;

export function registerAgent(program: Command, ctx: CliContext): void {
  program
    .command('agent')
    .description(
      'Run the DriveUp agent headless: uploads, watched folders, history sync and the API socket',
    )
    .option('--foreground', 'also print the log to the terminal')
    .option(
      '--web',
      'also serve the windows to a browser on this machine (web mode; see `driveup open`)',
    )
    .action(async (options: { foreground?: boolean; web?: boolean }) => {
      keepRunningWithoutOutput();
      // Loaded only here: every other command is a thin client and must start fast.
      const { startHeadlessAgent } = await import('../headless-agent.ts');
      const hosted = await startHeadlessAgent(ctx.paths, process.env, options).catch(
        (error: unknown) => {
          if (error instanceof AgentAlreadyRunningError) {
            throw new CliError(
              `Another DriveUp agent (pid ${error.pid ?? 'unknown'}) is already running for ${ctx.paths.dataDir}.`,
              EXIT.failed,
            );
          }
          if (error instanceof UntrustedDirectoryError) {
            throw new CliError(refusalToStart(error.problems), EXIT.failed);
          }
          throw error;
        },
      );
      const info = {
        pid: process.pid,
        socket: ctx.paths.socketPath,
        dataDir: ctx.paths.dataDir,
        logs: ctx.paths.stateDir,
        web: hosted.web?.origin ?? null,
      };
      const web = info.web
        ? `\nWeb    ${info.web} (\`driveup open\` gives this browser a way in)`
        : '';
      ctx.print(
        info,
        () =>
          `DriveUp agent running (pid ${info.pid}).\nSocket ${info.socket}${web}\nLogs   ${info.logs}\nStop it with Ctrl-C.`,
      );
      const onSignal = (signal: NodeJS.Signals) => {
        hosted.agent.logger.info({ signal }, 'stopping on signal');
        setTimeout(() => {
          process.stderr.write('DriveUp agent: not stopped in time; exiting anyway.\n');
          process.exit(EXIT.failed);
        }, FORCED_EXIT_MS).unref();
        void hosted.stop();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const { clean } = await hosted.stopped;
      // driveup.ts exits once this returns, whatever still holds the event loop.
      if (!clean) process.exitCode = EXIT.failed;
    });
}

/**
 * As ssh refuses a ~/.ssh others can write: DriveUp reads its settings (which say where tokens
 * go) and writes its tokens and logs there, so it starts only when they are the user's alone.
 */
function refusalToStart(problems: readonly TrustProblem[]): string {
  const lines = problems.map((problem) => `  ${problem.path}: ${trustWords(problem)}`);
  return [
    'DriveUp will not start: its own files must belong to you and be writable only by you.',
    ...lines,
    'Fix the ownership or permissions above (or set DRIVEUP_HOME to a directory of your own), then start it again.',
  ].join('\n');
}
