import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { Option, type Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { durationMs } from '../option-parsers.ts';
import { renderTable } from '../table.ts';
import { ruleFilesWords } from '../watch-rule-words.ts';
import { escapeControl } from '../terminal-text.ts';

type RuleStatus = Awaited<ReturnType<CliContext['client']['watch']['list']['query']>>[number];

const RULE_ID = 'rule id, or its first characters (4 or more, as `watch list` shows)';

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
    .option(
      '--stable <duration>',
      'how long a file must stay unchanged before upload (2s, 500ms; plain numbers are ms)',
      durationMs,
    )
    .addOption(
      new Option('--conflict <policy>', 'same name already in Drive').choices([
        'keep-both',
        'skip-identical',
        'new-version',
      ]),
    )
    .option('--allow-missing', 'watch a folder that does not exist yet (a disk not mounted yet)')
    .option(
      '--follow-symlinks',
      'follow symbolic links to files inside the folder (never to folders, never outside it)',
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
          allowMissing?: boolean;
          followSymlinks?: boolean;
        },
      ) => {
        const absolute = resolve(folder);
        const status = await ctx.client.watch.add
          .mutate({
            folder: absolute,
            destination: o.to,
            include: o.include,
            exclude: o.exclude,
            recursive: o.recursive,
            stabilityWindowMs: o.stable,
            conflictPolicy: o.conflict,
            allowMissing: Boolean(o.allowMissing),
            followSymlinks: Boolean(o.followSymlinks),
          })
          .catch(async (error: unknown) => {
            throw (await missingFolderAdvice(error, absolute, o.allowMissing)) ?? error;
          });
        ctx.print(
          status,
          () =>
            `Watching ${escapeControl(status.rule.folder)} → ${escapeControl(status.rule.destination)} (rule ${status.rule.id.slice(0, 8)}).`,
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
    .argument('<id>', RULE_ID)
    .description(
      'Stop watching a folder; its files found and not uploaded yet are cancelled (uploads under way too)',
    )
    .option('--keep-queued', 'let the files it found and did not upload yet upload all the same')
    .action(async (id: string, options: { keepQueued?: boolean }) => {
      const keepQueued = Boolean(options.keepQueued);
      const result = await ctx.client.watch.remove.mutate({ id, keepQueued });
      ctx.print(result, () => removedWords(result, keepQueued));
    });

  watch
    .command('skipped')
    .argument('<id>', RULE_ID)
    .description(
      'What a rule left out and why (symbolic links, special files, links into DriveUp’s own folders)',
    )
    .action(async (id: string) => {
      const skipped = await ctx.client.watch.skipped.query({ id });
      ctx.print(skipped, () =>
        skipped.length
          ? renderTable(
              ['PATH', 'WHY'],
              skipped.map((s) => [escapeControl(s.path), escapeControl(s.message)]),
            )
          : 'Nothing was skipped in this folder.',
      );
    });

  watch
    .command('pause')
    .argument('<id>', RULE_ID)
    .description('Pause a rule')
    .action(async (id: string) => {
      const status = await ctx.client.watch.pause.mutate({ id });
      ctx.print(status, () => `Paused ${escapeControl(status.rule.folder)}.`);
    });

  watch
    .command('resume')
    .argument('<id>', RULE_ID)
    .description('Resume a paused rule')
    .action(async (id: string) => {
      const status = await ctx.client.watch.resume.mutate({ id });
      ctx.print(status, () => `Watching ${escapeControl(status.rule.folder)} again.`);
    });
}

/** The agent refused a folder that is not there: say how to watch it anyway, in this face's words. */
async function missingFolderAdvice(
  error: unknown,
  folder: string,
  allowMissing: boolean | undefined,
): Promise<CliError | undefined> {
  if (allowMissing || !(error instanceof TRPCClientError)) return undefined;
  if (!error.message.includes('does not exist')) return undefined;
  const exists = await stat(folder).then(
    () => true,
    () => false,
  );
  if (exists) return undefined;
  return new CliError(
    `${error.message} Check the path, or use --allow-missing to watch it once it appears (a disk not mounted yet).`,
    EXIT.usage,
  );
}

function renderRules(rules: RuleStatus[]): string {
  if (!rules.length) return 'No folders are watched. Add one with `driveup watch add <folder>`.';
  return renderTable(
    ['ID', 'FOLDER', 'TO', 'STATE', 'FILES'],
    rules.map(({ rule, state, reason, counts }) => [
      rule.id.slice(0, 8),
      escapeControl(rule.folder),
      escapeControl(rule.destination),
      escapeControl(reason ? `${state}: ${reason}` : state),
      ruleFilesWords(counts),
    ]),
  );
}

function removedWords(result: { removed: string; cancelled: number }, keepQueued: boolean): string {
  const removed = `Removed rule ${result.removed.slice(0, 8)}.`;
  if (keepQueued) return `${removed} The files it found that were not uploaded yet still upload.`;
  if (!result.cancelled) return removed;
  const files = result.cancelled === 1 ? '1 file' : `${result.cancelled} files`;
  return `${removed} Cancelled ${files} it found that ${result.cancelled === 1 ? 'was' : 'were'} not uploaded yet.`;
}
