import { Option, type Command } from 'commander';
import type { Job } from '../../core/queue/job.ts';
import { jobStateSchema } from '../../core/queue/job-schema.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatBytes, formatTime } from '../human-format.ts';
import { renderTable } from '../table.ts';

export function registerQueueCommands(program: Command, ctx: CliContext): void {
  program
    .command('queue')
    .description('List upload jobs, newest first')
    .addOption(
      new Option('--state <state...>', 'only jobs in these states').choices(jobStateSchema.options),
    )
    .option('--limit <n>', 'how many', toInt, 100)
    .action(async (options: { state?: Job['state'][]; limit: number }) => {
      const page = await ctx.client.queue.list.query({
        states: options.state,
        limit: options.limit,
      });
      ctx.print(page, () => renderJobs(page.jobs));
    });

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
        state.paused ? `Still paused: ${state.pauseReason}` : 'Uploads resumed.',
      );
    });

  program
    .command('retry')
    .description('Retry a failed job, or every failed job with --failed')
    .argument('[id]', 'job id')
    .option('--failed', 'retry every failed job')
    .action(async (id: string | undefined, options: { failed?: boolean }) => {
      if (!id && !options.failed)
        throw new CliError('Name a job id, or use --failed to retry every failed job.', EXIT.usage);
      const result = await ctx.client.queue.retry.mutate(id ? { id } : { failed: true });
      ctx.print(result, () => `${result.retried} job(s) queued again.`);
    });

  program
    .command('cancel')
    .description('Cancel a job')
    .argument('<id>', 'job id')
    .action(async (id: string) => {
      const answer = await ctx.client.queue.cancel.mutate({ id });
      const { job } = answer;
      ctx.print(answer, () =>
        answer.cancelled ? `Cancelled ${job.name}.` : `Not cancelled: ${job.name} is ${job.state}.`,
      );
      if (!answer.cancelled) process.exitCode = EXIT.failed;
    });
}

function renderJobs(jobs: Job[]): string {
  if (!jobs.length) return 'The queue is empty.';
  return renderTable(
    ['ID', 'STATE', 'FILE', 'SIZE', 'TO', 'QUEUED', 'DETAIL'],
    jobs.map((job) => [
      job.id.slice(0, 8),
      job.state,
      job.name,
      formatBytes(job.size),
      job.folderPath,
      formatTime(job.queuedAt),
      job.state === 'running' && job.size
        ? `${Math.floor((job.confirmedBytes / job.size) * 100)}%`
        : (job.error ?? job.webViewLink ?? ''),
    ]),
  );
}

export function toInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`"${value}" is not a positive whole number.`, EXIT.usage);
  return n;
}
