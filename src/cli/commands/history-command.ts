import { Option, type Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { formatBytes, formatTime } from '../human-format.ts';
import { renderTable } from '../table.ts';
import { toInt } from './queue-commands.ts';

type HistoryPage = Awaited<ReturnType<CliContext['client']['history']['search']['query']>>;

export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description('Search what was uploaded (the last word matches as a prefix)')
    .argument('[words...]', 'words in the file name, folder or path')
    .option('--since <date>', 'from this date or time (e.g. 2026-11-17)')
    .option('--until <date>', 'before this date or time')
    .addOption(
      new Option('--status <status>', 'only this outcome').choices([
        'uploaded',
        'skipped',
        'failed',
        'cancelled',
      ]),
    )
    .option('--machine <name>', 'only uploads from this machine')
    .option('--limit <n>', 'how many (at most 200)', toInt, 50)
    .action(
      async (
        words: string[],
        options: {
          since?: string;
          until?: string;
          status?: 'uploaded';
          machine?: string;
          limit: number;
        },
      ) => {
        const page = await ctx.client.history.search.query({
          text: words.length ? words.join(' ') : undefined,
          from: options.since,
          to: options.until,
          status: options.status,
          machine: options.machine,
          limit: Math.min(options.limit, 200),
        });
        ctx.print(page, () => renderPage(page));
      },
    );
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
      r.name,
      formatBytes(r.size),
      r.folderPath,
      r.machine,
      r.webViewLink ?? r.error ?? '',
    ]),
  );
  const more = page.nextCursor ? '\n(more results: narrow the search or raise --limit)' : '';
  return `${table}\n${page.items.length} result(s) from the ${page.backend} history.${unsynced}${more}`;
}
