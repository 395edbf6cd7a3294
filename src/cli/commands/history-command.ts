import { Option, type Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatBytes, formatTime } from '../human-format.ts';
import { pointInTime, positiveInt } from '../option-parsers.ts';
import { collectPages, moreHint } from '../paging.ts';
import { renderTable } from '../table.ts';
import { escapeControl } from '../terminal-text.ts';
import { TIME_FORMATS } from '../time-input.ts';

type HistoryPage = Awaited<ReturnType<CliContext['client']['history']['search']['query']>>;
type HistoryRecord = HistoryPage['items'][number];

/** The API's largest page of history (HISTORY_PAGE_MAX); `--limit` above it takes several pages. */
const HISTORY_PAGE_MAX = 200;

interface HistoryOptions {
  since?: Date;
  until?: Date;
  status?: 'uploaded';
  machine?: string;
  limit: number;
  cursor?: string;
  all?: boolean;
}

export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description('Search what was uploaded, newest first (the last word matches as a prefix)')
    .argument('[words...]', 'words in the file name, folder or path')
    .option(
      '--since <when>',
      'finished at or after this time (2026-11-17, 2h, yesterday…)',
      pointInTime,
    )
    .option('--until <when>', 'finished before this time', pointInTime)
    .addOption(
      new Option('--status <status>', 'only this outcome').choices([
        'uploaded',
        'skipped',
        'failed',
        'cancelled',
      ]),
    )
    .option('--machine <name>', 'only uploads from this machine')
    .option('--limit <n>', 'how many', positiveInt, 50)
    .option('--cursor <cursor>', 'go on after a previous search (its nextCursor)')
    .option('--all', 'every match, however many')
    .addHelpText('after', `\n<when> is ${TIME_FORMATS}.`)
    .action(async (words: string[], options: HistoryOptions) => {
      if (options.since && options.until && options.since >= options.until)
        throw new CliError(
          `--since (${options.since.toLocaleString()}) is not before --until (${options.until.toLocaleString()}).`,
          EXIT.usage,
        );
      let backend: HistoryPage['backend'] = 'local';
      let notInMongodb: HistoryPage['notInMongodb'] = null;
      const page = await collectPages<HistoryRecord>(
        async (cursor, limit) => {
          const answer = await ctx.client.history.search.query({
            text: words.length ? words.join(' ') : undefined,
            from: options.since,
            to: options.until,
            status: options.status,
            machine: options.machine,
            limit,
            cursor,
          });
          backend = answer.backend;
          notInMongodb = answer.notInMongodb;
          return answer;
        },
        {
          limit: options.all ? Infinity : options.limit,
          cursor: options.cursor,
          pageMax: HISTORY_PAGE_MAX,
        },
      );
      const result: HistoryPage = {
        backend,
        items: page.items,
        nextCursor: page.nextCursor,
        notInMongodb,
      };
      ctx.print(result, () => renderPage(result));
    });
}

function renderPage(page: HistoryPage): string {
  const unsynced =
    page.backend === 'mongodb' && page.notInMongodb
      ? ` ${page.notInMongodb} of this machine's record(s) are not in MongoDB yet (\`driveup status\` says why).`
      : '';
  if (!page.items.length) return `Nothing found (searched the ${page.backend} history).${unsynced}`;
  const table = renderTable(
    ['FINISHED', 'STATUS', 'FILE', 'SIZE', 'FOLDER', 'MACHINE', 'LINK'],
    page.items.map((r) => [
      formatTime(r.finishedAt),
      r.status,
      escapeControl(r.name),
      formatBytes(r.size),
      escapeControl(r.folderPath),
      escapeControl(r.machine),
      escapeControl(r.webViewLink ?? r.error ?? ''),
    ]),
  );
  return (
    `${table}\n${page.items.length} result(s) from the ${page.backend} history.${unsynced}` +
    moreHint(page.nextCursor)
  );
}
