import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Job } from '../../core/queue/job.ts';
import type { CliContext } from '../cli-context.ts';
import { EXIT } from '../exit-codes.ts';
import { formatBytes } from '../human-format.ts';

const FINAL = new Set(['done', 'failed', 'cancelled']);

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
    .action(async (paths: string[], options: AddOptions) => {
      const absolute = paths.map((p) => resolve(p));
      if (!options.wait) {
        const { jobs } = await ctx.client.queue.add.mutate({
          paths: absolute,
          folder: options.to,
          source: 'cli',
          ...linkAndHiddenOptions(options),
        });
        ctx.print({ jobs: jobs.map(summary) }, () =>
          jobs.map((j) => `queued  ${j.name}  → ${j.folderPath}`).join('\n'),
        );
        return;
      }
      const jobs = await addAndWait(ctx, absolute, options);
      ctx.print({ jobs: jobs.map(summary) }, () => renderSummary(jobs));
      if (jobs.some((job) => job.state !== 'done')) process.exitCode = EXIT.failed;
    });
}

interface AddOptions {
  to?: string;
  wait?: boolean;
  includeHidden?: boolean;
  followSymlinks?: boolean;
}

function linkAndHiddenOptions(options: AddOptions) {
  return {
    includeHidden: options.includeHidden === true,
    followSymlinks: options.followSymlinks === true,
  };
}

/** The fields scripts rely on; kept stable whatever the Job grows. */
function summary(job: Job) {
  return {
    id: job.id,
    path: job.path,
    name: job.name,
    folder: job.folderPath,
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
 * finished (the same file added before) is taken from the add answer itself.
 */
async function addAndWait(ctx: CliContext, paths: string[], options: AddOptions): Promise<Job[]> {
  const latest = new Map<string, Job>();
  const bars = progressBars(ctx);
  let wanted: Set<string> | undefined;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<void>((res, rej) => ((finish = res), (fail = rej)));
  const check = () => {
    if (wanted && [...wanted].every((id) => FINAL.has(latest.get(id)?.state ?? ''))) finish();
  };
  const subscription = ctx.client.events.subscribe(
    {},
    {
      onData: ({ data: event }) => {
        const data = event.data as { job?: Job; jobId?: string; sentBytes?: number };
        if (data.job && (!wanted || wanted.has(data.job.id))) {
          latest.set(data.job.id, data.job);
          bars?.update(data.job);
          check();
        } else if (event.type === 'job.progress' && data.jobId && wanted?.has(data.jobId)) {
          bars?.progress(data.jobId, data.sentBytes ?? 0);
        }
      },
      onError: fail,
    },
  );
  try {
    const { jobs } = await ctx.client.queue.add.mutate({
      paths,
      folder: options.to,
      source: 'cli',
      ...linkAndHiddenOptions(options),
    });
    wanted = new Set(jobs.map((job) => job.id));
    for (const job of jobs)
      if (!latest.has(job.id) || FINAL.has(job.state)) latest.set(job.id, job);
    bars?.start(jobs);
    check();
    await finished;
    return jobs.map((job) => latest.get(job.id) ?? job);
  } finally {
    subscription.unsubscribe();
    bars?.stop();
  }
}

/** One bar per file and one overall, on stderr and only for a person at a terminal. */
function progressBars(ctx: CliContext) {
  if (ctx.json || !process.stderr.isTTY) return undefined;
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | {name} | {state}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const sent = new Map<string, number>();
  let overall: cliProgress.SingleBar | undefined;
  let total = 0;
  const refreshOverall = () => overall?.update([...sent.values()].reduce((a, b) => a + b, 0));
  return {
    start(jobs: Job[]) {
      total = jobs.reduce((sum, job) => sum + Math.max(job.size, 1), 0);
      overall = multi.create(total, 0, { name: `all ${jobs.length} file(s)`, state: '' });
      for (const job of jobs) {
        bars.set(
          job.id,
          multi.create(Math.max(job.size, 1), 0, { name: job.name, state: job.state }),
        );
        if (FINAL.has(job.state)) this.update(job);
      }
    },
    progress(jobId: string, bytes: number) {
      sent.set(jobId, bytes);
      bars.get(jobId)?.update(bytes);
      refreshOverall();
    },
    update(job: Job) {
      const done = job.state === 'done' ? Math.max(job.size, 1) : (sent.get(job.id) ?? 0);
      sent.set(job.id, done);
      bars.get(job.id)?.update(done, { state: job.state });
      refreshOverall();
    },
    stop() {
      multi.stop();
    },
  };
}

function renderSummary(jobs: Job[]): string {
  const lines = jobs.map((job) =>
    job.state === 'done'
      ? `uploaded  ${job.name} (${formatBytes(job.size)})  ${job.webViewLink ?? ''}`
      : `${job.state.padEnd(8)}  ${job.name}  ${job.error ?? ''}`,
  );
  const ok = jobs.filter((job) => job.state === 'done').length;
  lines.push(`${ok} of ${jobs.length} file(s) uploaded.`);
  return lines.join('\n');
}
