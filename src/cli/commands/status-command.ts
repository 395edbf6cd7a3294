import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { EXIT } from '../exit-codes.ts';
import { formatBytes, formatDuration } from '../human-format.ts';
import type { AgentStatus, AuthStatus } from '../api-views.ts';
import { authWarningWords, cliPauseReason, needsSignInWords } from '../status-words.ts';

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

function renderStatus(status: AgentStatus): string {
  const { counts } = status.queue;
  const { pause } = status.queue;
  const queue = pause ? `paused (${cliPauseReason(pause)})` : 'running';
  return [
    `Agent      running (pid ${status.pid}, version ${status.version}, up ${formatDuration(Date.now() - status.startedAt.getTime())})`,
    `Data       ${status.dataDir}`,
    `Account    ${renderAccount(status.auth)}`,
    `Queue      ${queue}: ${counts.queued} queued, ${counts.running} uploading, ${counts.retrying} retrying, ${counts.failed} failed, ${counts.done} done`,
    `History    ${status.history.message}`,
    `Watching   ${status.watch.rules} folder rule(s)`,
  ].join('\n');
}

export function renderAccount(auth: AuthStatus): string {
  const warnings = auth.warnings.map((w) => `\n  warning: ${authWarningWords(w)}`).join('');
  switch (auth.state) {
    case 'signed-in': {
      const storage = auth.storage
        ? ` — ${formatBytes(auth.storage.usedBytes)} of ${auth.storage.limitBytes == null ? 'unlimited' : formatBytes(auth.storage.limitBytes)} used`
        : '';
      return `${auth.account.email}${storage}${warnings}`;
    }
    case 'signing-in':
      return `signing in — open ${auth.url}${warnings}`;
    case 'needs-sign-in':
      return `needs sign-in again: ${needsSignInWords(auth)}${warnings}`;
    default:
      return `not signed in (run \`driveup signin\`)${warnings}`;
  }
}
