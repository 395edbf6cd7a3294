import { Option, type Command } from 'commander';
import { jobStateSchema } from '../../core/queue/job-schema.ts';
import type { JobView as Job } from '../api-views.ts';
import { cliPauseReason } from '../status-words.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatBytes, formatDuration, formatTime } from '../human-format.ts';
import { positiveInt } from '../option-parsers.ts';
import { collectPages, moreHint } from '../paging.ts';
import { renderTable } from '../table.ts';
import { escapeControl } from '../terminal-text.ts';

/** The API's largest page of jobs; `--limit` above it takes several pages. */
const QUEUE_PAGE_MAX = 1000;

export function registerQueueCommands(program: Command, ctx: CliContext): void {
  program
    .command('queue')
    .description('List upload jobs, newest first')
    .addOption(
      new Option('--state <state...>', 'only jobs in these states').choices(jobStateSchema.options),
    )
    .option('--limit <n>', 'how many', positiveInt, 100)
    .option('--cursor <cursor>', 'go on after a previous list (its nextCursor)')
    .option('--all', 'every job, however many')
    .action(
      async (options: {
        state?: Job['state'][];
        limit: number;
        cursor?: string;
        all?: boolean;
      }) => {
        const page = await collectPages(
          async (cursor, limit) => {
            const { jobs, nextCursor } = await ctx.client.queue.list.query({
              states: options.state,
              limit,
              cursor,
            });
            return { items: jobs, nextCursor };
          },
          {
            limit: options.all ? Infinity : options.limit,
            cursor: options.cursor,
            pageMax: QUEUE_PAGE_MAX,
          },
        );
        ctx.print(
          { jobs: page.items, nextCursor: page.nextCursor },
          () => `${renderJobs(page.items)}${moreHint(page.nextCursor)}`,
        );
      },
    );

  program
    .command('pause')
    .description('Pause all uploads (running ones stop and resume later where they were)')
    .action(async () => {
      const state = await ctx.client.queue.pause.mutate({});
      ctx.print(state, () => 'Uploads paused. `driveup resume` continues them.');
    });

  program
    .command('resume')
    .description('Resume uploads')
    .action(async () => {
      const state = await ctx.client.queue.resume.mutate();
      ctx.print(state, () =>
        state.pause ? `Still paused: ${cliPauseReason(state.pause)}` : 'Uploads resumed.',
      );
    });

  program
    .command('retry')
    .description('Retry a failed job, or every failed job with --failed')
    .argument('[id]', 'job id, or its first characters (4 or more, as `queue` shows)')
    .option('--failed', 'retry every failed job')
    .action(async (id: string | undefined, options: { failed?: boolean }) => {
      if (!id === !options.failed)
        throw new CliError(
          'Name a job id, or use --failed to retry every failed job (not both).',
          EXIT.usage,
        );
      const result = await ctx.client.queue.retry.mutate(id ? { id } : { failed: true });
      if (id && result.retried === 0) {
        // As `cancel` says of a job it did not cancel: which state kept it from being retried.
        const job = await ctx.client.queue.get.query({ id }).catch(() => undefined);
        process.exitCode = EXIT.failed;
        return ctx.print(result, () =>
          job
            ? `Not queued again: ${escapeControl(job.name)} is ${job.state}.`
            : 'Not queued again.',
        );
      }
      ctx.print(result, () => `${result.retried} job(s) queued again.`);
    });

  program
    .command('cancel')
    .description('Cancel a job, or every job waiting or uploading with --all')
    .argument('[id]', 'job id, or its first characters (4 or more, as `queue` shows)')
    .option('--all', 'cancel every job waiting, retrying or uploading')
    .action(async (id: string | undefined, options: { all?: boolean }) => {
      if (!id === !options.all)
        throw new CliError(
          'Name a job id, or use --all to cancel every job waiting or uploading (not both).',
          EXIT.usage,
        );
      if (!id) {
        const result = await ctx.client.queue.cancelAll.mutate({});
        return ctx.print(result, () =>
          result.cancelled
            ? `Cancelled ${result.cancelled === 1 ? '1 job' : `${result.cancelled} jobs`}.`
            : 'Nothing to cancel: no job is waiting or uploading.',
        );
      }
      const answer = await ctx.client.queue.cancel.mutate({ id });
      const { job } = answer;
      ctx.print(answer, () =>
        answer.cancelled
          ? `Cancelled ${escapeControl(job.name)}.`
          : `Not cancelled: ${escapeControl(job.name)} is ${job.state}.`,
      );
      if (!answer.cancelled) process.exitCode = EXIT.failed;
    });
}

function renderJobs(jobs: Job[], now = Date.now()): string {
  if (!jobs.length) return 'The queue is empty.';
  return renderTable(
    ['ID', 'STATE', 'FILE', 'SIZE', 'TO', 'QUEUED', 'DETAIL'],
    jobs.map((job) => [
      job.id.slice(0, 8),
      job.state,
      escapeControl(job.name),
      formatBytes(job.size),
      escapeControl(job.folderPath),
      formatTime(job.queuedAt),
      escapeControl(detail(job, now)),
    ]),
  );
}

function detail(job: Job, now: number): string {
  if (job.state === 'running' && job.size)
    return `${Math.floor((job.sentBytes / job.size) * 100)}%`;
  if (job.state === 'retrying') {
    const wait = job.nextAttemptAt ? job.nextAttemptAt.getTime() - now : 0;
    const when = wait > 1000 ? `in ${formatDuration(wait)}` : 'now';
    return `retrying ${when} (attempt ${job.attempts + 1}): ${job.error ?? ''}`;
  }
  return job.error ?? job.webViewLink ?? '';
}
