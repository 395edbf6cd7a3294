import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { EXIT } from '../exit-codes.ts';
import { renderAccount, renderStatus } from '../status-view.ts';

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('Show the agent, the account, the queue, the history sync and the watch rules')
    .action(async () => {
      const status = await ctx.client.agent.status.query();
      ctx.print(status, () => renderStatus(status));
    });

  program
    .command('whoami')
    .description('Show the Google account DriveUp uploads to')
    .action(async () => {
      const auth = await ctx.client.auth.status.query();
      ctx.print(auth, () => renderAccount(auth));
      // As `gh auth status` does: a script can test for an account.
      if (auth.state !== 'signed-in') process.exitCode = EXIT.failed;
    });
}
