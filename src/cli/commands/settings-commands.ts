import { TRPCClientError } from '@trpc/client';
import type { Command } from 'commander';
import type { SettingsUpdateResult } from '../../core/config/settings-change.ts';
import {
  maskSecrets,
  maskSettingValue,
  SETTING_INFO,
  settingInfo,
} from '../../core/config/settings-info.ts';
import type { Settings, SettingKey } from '../../core/config/settings-schema.ts';
import { findAgentNotRunningError } from '../../ipc/node/socket-errors.ts';
import { inputIssues, inputIssuesMessage } from '../../ipc/common/input-issues.ts';
import type { CliContext } from '../cli-context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { parseSize, SIZE_FORMATS } from '../size-input.ts';

const SHOW_SECRETS = 'show secrets (the OAuth client secret, passwords in the MongoDB URI)';

interface Change {
  set?: Record<string, unknown>;
  unset?: SettingKey[];
}

export function registerSettingsCommands(program: Command, ctx: CliContext): void {
  const settings = program
    .command('settings')
    .description(
      'Read and change settings (through the agent, or in the settings file when none runs)',
    );

  settings
    .command('get')
    .argument('[key]', 'a setting such as uploads.concurrency, or a section (all when omitted)')
    .option('--show-secrets', SHOW_SECRETS)
    .description('Show settings (with environment overrides applied); secrets show as ••••')
    .action(async (key: string | undefined, options: { showSecrets?: boolean }) => {
      if (key) checkKey(key, { sections: true });
      const current = await readSettings(ctx);
      const shown = options.showSecrets ? current : maskSecrets(current);
      const value = key ? valueOf(shown, key) : shown;
      ctx.print(key ? { key, value } : value, () =>
        value !== null && typeof value === 'object'
          ? JSON.stringify(value, null, 2)
          : value === null
            ? '(not set)'
            : String(value),
      );
    });

  settings
    .command('set')
    .argument('<key>', 'a setting such as uploads.concurrency')
    .argument(
      '<value>',
      `its new value (JSON: 4, true, null, "text"; plain text is taken as a string; sizes and rates as ${SIZE_FORMATS})`,
    )
    .option('--show-secrets', SHOW_SECRETS)
    .description('Change one setting; the running agent applies it (or says when it will)')
    .action(async (key: string, raw: string, options: { showSecrets?: boolean }) => {
      checkKey(key);
      const value = parseValue(key, raw);
      const result = await changeSettings(ctx, { set: patchFor(key, value) });
      report(ctx, result, { key, saved: value, showSecrets: options.showSecrets ?? false });
    });

  settings
    .command('unset')
    .argument('<key>', 'a setting such as google.endpoint')
    .option('--show-secrets', SHOW_SECRETS)
    .description('Remove a setting from the settings file: its default applies again')
    .action(async (key: string, options: { showSecrets?: boolean }) => {
      checkKey(key);
      const result = await changeSettings(ctx, { unset: [key as SettingKey] });
      report(ctx, result, { key, saved: undefined, showSecrets: options.showSecrets ?? false });
    });
}

/** The running agent's settings, or, with no agent, the file's (said on stderr). */
async function readSettings(ctx: CliContext): Promise<Settings> {
  try {
    return await ctx.client.settings.get.query();
  } catch (error) {
    if (!findAgentNotRunningError(error)) throw error;
    // Loaded only here: with an agent running, the command stays a thin client.
    const { SettingsStore } = await import('../../core/config/settings-store.ts');
    const store = new SettingsStore(ctx.paths.settingsFile);
    const settings = await store.load();
    process.stderr.write(`No agent running; showing the settings in ${store.file}.\n`);
    return settings;
  }
}

/**
 * Through the agent when one runs (it validates, saves and applies); otherwise the settings file
 * directly, validated the same way, for the agent to read at its next start.
 */
async function changeSettings(ctx: CliContext, change: Change): Promise<SettingsUpdateResult> {
  try {
    return await ctx.client.settings.update.mutate(change);
  } catch (error) {
    if (findAgentNotRunningError(error)) return changeFile(ctx, change);
    throw refusalOf(error) ?? error;
  }
}

/** The API names fields of its input (`set.uploads.concurrency`); people typed the setting. */
function refusalOf(error: unknown): CliError | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const issues = (error.data as { inputIssues?: Array<{ field: string; message: string }> } | null)
    ?.inputIssues;
  if (!issues?.length) return undefined;
  const lines = issues.map(({ field, message }) => {
    const key = field.replace(/^(set|unset)(\.\d+)?\.?/, '');
    return key ? `${key}: ${message}` : message;
  });
  return new CliError(lines.join('; '), EXIT.usage);
}

async function changeFile(ctx: CliContext, change: Change): Promise<SettingsUpdateResult> {
  const [{ SettingsStore }, { changedKeys, reportSettingsChange }, { InvalidSettingsError }] =
    await Promise.all([
      import('../../core/config/settings-store.ts'),
      import('../../core/config/settings-change.ts'),
      import('../../core/config/settings-error.ts'),
    ]);
  const store = new SettingsStore(ctx.paths.settingsFile);
  await store.load();
  const patch = change.set ?? {};
  const unset = change.unset ?? [];
  try {
    const settings = await store.update(patch, unset);
    return reportSettingsChange({
      file: store.file,
      settings,
      keys: changedKeys(patch, unset),
      agent: null,
    });
  } catch (error) {
    if (error instanceof InvalidSettingsError) {
      throw new CliError(inputIssuesMessage(inputIssues(error.issues, error.input)), EXIT.usage);
    }
    throw error;
  }
}

function report(
  ctx: CliContext,
  result: SettingsUpdateResult,
  request: { key: string; saved: unknown; showSecrets: boolean },
): void {
  const change = result.changes.find((c) => c.key === request.key);
  if (!change) throw new Error(`the agent did not report a change of ${request.key}`);
  const shown = (value: unknown) =>
    request.showSecrets ? value : maskSettingValue(request.key, value);
  ctx.print(
    {
      key: change.key,
      value: shown(change.value),
      takesEffect: change.takesEffect,
      overriddenBy: change.overriddenBy,
      file: result.file,
      agentRunning: result.agentRunning,
    },
    () => {
      const what =
        request.saved === undefined
          ? `${change.key} unset; now ${change.value === null ? 'not set' : JSON.stringify(shown(change.value))}`
          : `${change.key} = ${JSON.stringify(shown(request.saved))}`;
      return [what, whenItApplies(result, change)].join('\n');
    },
  );
}

function whenItApplies(
  result: SettingsUpdateResult,
  change: SettingsUpdateResult['changes'][number],
): string {
  if (!result.agentRunning) {
    return `No agent running; saved to ${result.file}, used at the next start.`;
  }
  if (change.overriddenBy) {
    return `Saved, but ${change.overriddenBy} is set in the agent's environment and wins while it is.`;
  }
  if (change.takesEffect === 'now') return 'Applied now.';
  return `Saved to ${result.file}; it takes effect after restart.`;
}

function checkKey(key: string, options: { sections?: boolean } = {}): void {
  if (settingInfo(key)) return;
  if (options.sections && SECTIONS.has(key)) return;
  throw new CliError(
    `There is no setting "${key}". \`driveup settings get\` lists them.`,
    EXIT.usage,
  );
}

/** `uploads`, `google`, …: the sections the keys are in. */
const SECTIONS = new Set(
  Object.keys(SETTING_INFO)
    .filter((key) => key.includes('.'))
    .map((key) => key.split('.')[0]!),
);

/** The value at `key`, or null when the setting has no value (an optional one not set). */
function valueOf(settings: object, key: string): unknown {
  let current: unknown = settings;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object') return null;
    current = Object.hasOwn(current, part) ? (current as Record<string, unknown>)[part] : null;
  }
  return current ?? null;
}

function patchFor(key: string, value: unknown): Record<string, unknown> {
  const [section, field] = key.split('.') as [string, string | undefined];
  return field === undefined ? { [section]: value } : { [section]: { [field]: value } };
}

/** Byte counts and rates (`uploads.chunkSizeBytes`, `…BytesPerSecond`) also take `8M`, `500k`. */
function parseValue(key: string, raw: string): unknown {
  const size = /Bytes(PerSecond)?$/.test(key) ? parseSize(raw) : undefined;
  if (size !== undefined) return size;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
