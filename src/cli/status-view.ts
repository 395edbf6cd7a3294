import { formatBytes, formatDuration } from './human-format.ts';
import type { AgentStatus, AuthStatus } from './api-views.ts';
import { authWarningWords, cliPauseReason, needsSignInWords } from './status-words.ts';

// What `driveup status` and `driveup whoami` print for people: shared by the command and by the
// quick path that answers `driveup status` without commander or the tRPC client (quick-status.ts).

export function renderStatus(status: AgentStatus): string {
  const { counts } = status.queue;
  const { pause } = status.queue;
  const queue = pause ? `paused (${cliPauseReason(pause)})` : 'running';
  return [
    `Agent      running (pid ${status.pid}, version ${status.version}, up ${formatDuration(Date.now() - status.startedAt.getTime())})`,
    `Data       ${status.dataDir}`,
    `Account    ${renderAccount(status.auth)}`,
    `Queue      ${queue}: ${counts.queued} queued, ${counts.running} uploading, ${counts.retrying} retrying, ${counts.failed} failed, ${counts.done} done`,
    `History    ${status.history.message}`,
    `Watching   ${status.watch.rules} folder rule(s)${status.watch.failing ? `, ${status.watch.failing} not finding files (\`driveup watch list\` says why)` : ''}`,
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
