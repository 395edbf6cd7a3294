import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { SkippedPath } from '../../core/queue/skipped-path.ts';
import type { AddedJobView, JobView as Job } from '../api-views.ts';
import { addedLine, addTotals, plannedLine, skippedSummary } from '../add-report.ts';
import { cliPauseReason } from '../status-words.ts';
import { subscribeToEvents } from '../agent-events.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT } from '../exit-codes.ts';
import { onInterrupt } from '../interrupt.ts';
import { createProgressView } from '../progress/progress-view.ts';
import { noticeWhileWaiting } from '../progress/waiting-notice.ts';
import { UploadProgress } from '../progress/upload-progress.ts';
import { escapeControl } from '../terminal-text.ts';

/** What Ctrl-C leaves behind: the jobs, uploading on, or waiting while the queue is paused. */
function stoppedWaiting(pauseReason: string | null): string {
  return pauseReason
    ? `Stopped waiting; the files stay queued in the agent, which is paused (${escapeControl(pauseReason)}): driveup queue`
    : 'Stopped waiting; uploads continue in the agent: driveup queue';
}

export function registerAdd(program: Command, ctx: CliContext): void {
  program
    .command('add')
    .description('Upload files (folders with their contents) to Google Drive')
    .argument('<paths...>', 'files or folders')
    .option(
      '--to <folder>',
      'Drive folder path, e.g. Reports/2026 (default: the uploads.defaultFolder setting)',
    )
    .option(
      '--wait',
      'wait until every file is uploaded, with progress, then print the Drive links',
    )
    .option('--include-hidden', 'inside added folders, also add files whose name starts with a dot')
    .option(
      '--follow-symlinks',
      'inside added folders, follow symbolic links to files inside the same folder',
    )
    .option(
      '--force',
      'upload again files already in that Drive folder (under the conflict policy)',
    )
    .option(
      '--dry-run',
      'queue nothing: say what would be queued, where, and what would be skipped',
    )
    .action(async (paths: string[], options: AddOptions) => {
      const absolute = paths.map((p) => resolve(p));
      if (options.dryRun) return dryRun(ctx, absolute, options);
      if (!options.wait) {
        const { jobs, skipped } = await noticeWhileWaiting(
          ctx.client.queue.add.mutate(addInput(absolute, options)),
          'Adding: the agent is checking the files…',
          { stderr: process.stderr, json: ctx.json },
        );
        ctx.print({ jobs: jobs.map(summary), skipped }, () =>
          [...jobs.map(addedLine), skippedSummary(skipped), addTotals(jobs)]
            .filter((line) => line !== null)
            .join('\n'),
        );
        return;
      }
      const { jobs, skipped } = await addAndWait(ctx, absolute, options);
      ctx.print({ jobs: jobs.map(summary), skipped }, () =>
        [skippedSummary(skipped), renderTotals(jobs)].filter((line) => line !== null).join('\n'),
      );
      if (jobs.some((job) => job.state !== 'done')) process.exitCode = EXIT.failed;
    });
}

async function dryRun(ctx: CliContext, paths: string[], options: AddOptions): Promise<void> {
  const { plan, skipped } = await noticeWhileWaiting(
    ctx.client.queue.add.mutate({ ...addInput(paths, options), dryRun: true }),
    'Dry run: the agent is checking the files…',
    { stderr: process.stderr, json: ctx.json },
  );
  const files = plan ?? [];
  ctx.print({ dryRun: true, plan: files, skipped }, () =>
    [
      ...files.map(plannedLine),
      skippedSummary(skipped),
      `Dry run: ${files.filter((f) => f.added === 'queued').length} of ${files.length} file(s) would be queued; nothing was.`,
    ]
      .filter((line) => line !== null)
      .join('\n'),
  );
}

interface AddOptions {
  to?: string;
  wait?: boolean;
  includeHidden?: boolean;
  followSymlinks?: boolean;
  force?: boolean;
  dryRun?: boolean;
}

function addInput(paths: string[], options: AddOptions) {
  return {
    paths,
    folder: options.to,
    source: 'cli' as const,
    includeHidden: options.includeHidden === true,
    followSymlinks: options.followSymlinks === true,
    force: options.force === true,
  };
}

/**
 * The fields scripts rely on; kept stable whatever the Job grows. `folderPath` is the Drive
 * folder, named as in `queue`, `history` and the API.
 */
function summary(job: Job & { added?: AddedJobView['added'] }) {
  return {
    id: job.id,
    added: job.added ?? null,
    path: job.path,
    name: job.name,
    folderPath: job.folderPath,
    state: job.state,
    size: job.size,
    md5: job.md5,
    driveFileId: job.driveFileId,
    webViewLink: job.webViewLink,
    error: job.error,
  };
}

/**
 * Subscribes first, then adds, so no event can slip between the two; a job that was already
 * finished (the same file added before) is taken from the add answer itself. Each file's line is
 * printed as it finishes; the live lines (at a terminal) come from the events alone.
 */
async function addAndWait(
  ctx: CliContext,
  paths: string[],
  options: AddOptions,
): Promise<{ jobs: Array<Job & { added?: AddedJobView['added'] }>; skipped: SkippedPath[] }> {
  const progress = new UploadProgress(paths, Date.now());
  let complete!: () => void;
  const completed = new Promise<void>((res) => (complete = res));
  const view = createProgressView(progress, {
    json: ctx.json,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  // Events were lost (the agent restarted, or this command fell behind): read our jobs again.
  let rereading = Promise.resolve();
  const reread = () =>
    (rereading = rereading.then(async () => {
      const ids = progress.unfinishedIds();
      const jobs = await Promise.all(
        ids.map((id) => ctx.client.queue.get.query({ id }).catch(() => undefined)),
      );
      const found = jobs.filter((job) => job !== undefined);
      view.finished(progress.refreshed(found, Date.now()));
      if (progress.complete) complete();
    }));
  const events = subscribeToEvents(ctx, (event) => {
    if (event.type === 'resync') return void reread();
    view.finished(progress.apply(event, Date.now()));
    if (event.type === 'queue.paused') view.paused(cliPauseReason(event.data));
    if (event.type === 'queue.resumed') view.paused(null);
    if (progress.complete) complete();
  });
  const stopInterrupt = onInterrupt(() => {
    view.close();
    return stoppedWaiting(progress.snapshot(Date.now()).pauseReason);
  });
  try {
    // Paused before this command began (not signed in, paused by someone): say why nothing moves,
    // piped too, where a script would otherwise wait in silence.
    void ctx.client.agent.status.query().then(
      (status) => {
        if (!status.queue.pause) return;
        const reason = cliPauseReason(status.queue.pause);
        progress.setPause(reason);
        view.paused(reason);
      },
      () => undefined,
    );
    const { jobs, skipped } = await Promise.race([
      ctx.client.queue.add.mutate(addInput(paths, options)),
      events.failed,
    ]);
    view.finished(progress.added(jobs, Date.now()));
    if (progress.complete) complete();
    await Promise.race([completed, events.failed]);
    // What adding did is the answer's; where each job ended is the events'.
    const added = new Map(jobs.map((job) => [job.id, job.added]));
    return { jobs: progress.jobs().map((job) => ({ ...job, added: added.get(job.id) })), skipped };
  } finally {
    stopInterrupt();
    events.unsubscribe();
    view.close();
  }
}

function renderTotals(jobs: ReadonlyArray<Job & { added?: AddedJobView['added'] }>): string {
  const already = jobs.filter((job) => job.added === 'already-uploaded').length;
  const count = (state: Job['state']) => jobs.filter((job) => job.state === state).length;
  const failed = count('failed');
  const cancelled = count('cancelled');
  const extra = [
    already && `${already} already in Drive, not uploaded again (add --force to upload again)`,
    failed && `${failed} failed`,
    cancelled && `${cancelled} cancelled`,
  ].filter(Boolean);
  const uploaded = count('done') - already;
  return `${uploaded} of ${jobs.length} file(s) uploaded${extra.length ? `; ${extra.join(', ')}` : ''}.`;
}
