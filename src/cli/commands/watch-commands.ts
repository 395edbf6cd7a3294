import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { renderTable } from '../table.ts';

type RuleStatus = Awaited<ReturnType<CliContext['client']['watch']['list']['query']>>[number];

export function registerWatchCommands(program: Command, ctx: CliContext): void {
  const watch = program
    .command('watch')
    .description('Folders whose new files are uploaded automatically');

  watch
    .command('add')
    .description('Watch a folder: every new file is uploaded once it is complete')
    .argument('<folder>', 'local folder')
    .option('--to <template>', 'Drive folder template: {machine} {relativeDir} {yyyy} {mm} {dd}')
    .option('--include <glob...>', 'only files matching these globs')
    .option('--exclude <glob...>', 'never files matching these globs')
    .option('--no-recursive', 'only the folder itself, not its subfolders')
    .option('--stable <ms>', 'how long a file must stay unchanged before upload', Number)
    .addOption(
      new Option('--conflict <policy>', 'same name already in Drive').choices([
        'keep-both',
        'skip-identical',
        'new-version',
      ]),
    )
    .action(
      async (
        folder: string,
        o: {
          to?: string;
          include?: string[];
          exclude?: string[];
          recursive: boolean;
          stable?: number;
          conflict?: 'keep-both';
        },
      ) => {
        const status = await ctx.client.watch.add.mutate({
          folder: resolve(folder),
          destination: o.to,
          include: o.include,
          exclude: o.exclude,
          recursive: o.recursive,
          stabilityWindowMs: o.stable,
          conflictPolicy: o.conflict,
        });
        ctx.print(
          status,
          () =>
            `Watching ${status.rule.folder} → ${status.rule.destination} (rule ${status.rule.id}).`,
        );
      },
    );

  watch
    .command('list')
    .description('List watch rules with their state and counts')
    .action(async () => {
      const rules = await ctx.client.watch.list.query();
      ctx.print({ rules }, () => renderRules(rules));
    });

  watch
    .command('remove')
    .argument('<id>', 'rule id')
    .description('Stop watching a folder (files already queued still upload)')
    .action(async (id: string) => {
      const result = await ctx.client.watch.remove.mutate({ id });
      ctx.print(result, () => `Removed rule ${id}.`);
    });

  watch
    .command('pause')
    .argument('<id>', 'rule id')
    .description('Pause a rule')
    .action(async (id: string) => {
      const status = await ctx.client.watch.pause.mutate({ id });
      ctx.print(status, () => `Paused ${status.rule.folder}.`);
    });

  watch
    .command('resume')
    .argument('<id>', 'rule id')
    .description('Resume a paused rule')
    .action(async (id: string) => {
      const status = await ctx.client.watch.resume.mutate({ id });
      ctx.print(status, () => `Watching ${status.rule.folder} again.`);
    });
}

function renderRules(rules: RuleStatus[]): string {
  if (!rules.length) return 'No folders are watched. Add one with `driveup watch add <folder>`.';
  return renderTable(
    ['ID', 'FOLDER', 'TO', 'STATE', 'SEEN', 'PENDING', 'QUEUED', 'UPLOADED', 'FAILED'],
    rules.map(({ rule, state, reason, counts }) => [
      rule.id.slice(0, 8),
      rule.folder,
      rule.destination,
      reason ? `${state}: ${reason}` : state,
      String(counts.seen),
      String(counts.pending),
      String(counts.queued),
      String(counts.uploaded),
      String(counts.failed),
    ]),
  );
}
