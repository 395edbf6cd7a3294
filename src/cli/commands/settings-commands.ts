import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

export function registerSettingsCommands(program: Command, ctx: CliContext): void {
  const settings = program.command('settings').description('Read and change settings');

  settings
    .command('get')
    .argument('[key]', 'a setting such as uploads.concurrency (all when omitted)')
    .description('Show settings (with environment overrides applied)')
    .action(async (key: string | undefined) => {
      const all = await ctx.client.settings.get.query();
      const value = key ? lookup(all, key) : all;
      ctx.print(key ? { key, value } : value, () =>
        typeof value === 'object' ? JSON.stringify(value, null, 2) : String(value),
      );
    });

  settings
    .command('set')
    .argument('<key>', 'a setting such as uploads.concurrency')
    .argument(
      '<value>',
      'its new value (JSON: 4, true, null, "text"; plain text is taken as a string)',
    )
    .description('Change a setting; the agent applies it at once')
    .action(async (key: string, raw: string) => {
      const updated = await ctx.client.settings.update.mutate(patchFor(key, parseValue(raw)));
      ctx.print(
        { key, value: lookup(updated, key) },
        () => `${key} = ${JSON.stringify(lookup(updated, key))}`,
      );
    });
}

function lookup(settings: object, key: string): unknown {
  let current: unknown = settings;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || !(part in current)) {
      throw new CliError(
        `There is no setting "${key}". \`driveup settings get\` lists them.`,
        EXIT.usage,
      );
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function patchFor(key: string, value: unknown): Record<string, unknown> {
  const parts = key.split('.');
  if (parts.length > 2 || parts.some((p) => !p))
    throw new CliError(`There is no setting "${key}".`, EXIT.usage);
  return parts.length === 1 ? { [key]: value } : { [parts[0]!]: { [parts[1]!]: value } };
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
