import { envOverrideOf } from './effective-config.ts';
import { SETTING_INFO, settingInfo } from './settings-info.ts';
import type { Settings, SettingKey, SettingsPatch } from './settings-schema.ts';
import { SETTING_KEYS, settingDescription, valueAt } from './settings-schema.ts';

/** What became of one key of a settings change. */
export interface SettingChangeReport {
  key: SettingKey;
  /** The value now in effect (environment overrides applied); null when the key has no value. */
  value: unknown;
  /** `now`: the running agent applied it; `next-start`: the agent uses it from its next start. */
  takesEffect: 'now' | 'next-start';
  /** The environment variable that overrides the saved value while it is set, or null. */
  overriddenBy: string | null;
}

/** The answer to a settings change, for every face. */
export interface SettingsUpdateResult {
  /** The settings file the change was saved to. */
  file: string;
  /** False when no agent ran: the file was changed for the agent's next start. */
  agentRunning: boolean;
  /** Every setting as now in effect. */
  settings: Settings;
  changes: SettingChangeReport[];
}

/** The keys a change names, in schema order. */
export function changedKeys(patch: SettingsPatch, unset: readonly SettingKey[]): SettingKey[] {
  return SETTING_KEYS.filter((key) => unset.includes(key) || valueAt(patch, key) !== undefined);
}

/**
 * Reports a change. `agent` is the running agent's environment, or null when the file was changed
 * with no agent running (then everything applies at the next start, whose environment is unknown).
 */
export function reportSettingsChange(options: {
  file: string;
  settings: Settings;
  keys: readonly SettingKey[];
  agent: { env: NodeJS.ProcessEnv } | null;
}): SettingsUpdateResult {
  const { agent, settings } = options;
  return {
    file: options.file,
    agentRunning: agent !== null,
    settings,
    changes: options.keys.map((key) => ({
      key,
      value: valueAt(settings, key) ?? null,
      takesEffect: agent && settingInfo(key)?.appliesLive ? 'now' : 'next-start',
      overriddenBy: agent ? envOverrideOf(key, agent.env) : null,
    })),
  };
}

/** What a settings page needs about each key, besides its value. */
export interface SettingKeyView {
  key: SettingKey;
  description: string | null;
  /** False when a change applies only from the agent's next start. */
  appliesLive: boolean;
  /** Show it masked unless the person asks to see it. */
  secret: 'whole' | 'uri-password' | null;
  /** The environment variable that overrides it in the running agent, or null. */
  overriddenBy: string | null;
}

export function describeSettingKeys(env: NodeJS.ProcessEnv): SettingKeyView[] {
  return SETTING_KEYS.map((key) => {
    const info: { appliesLive: boolean; secret?: 'whole' | 'uri-password' } = SETTING_INFO[key];
    return {
      key,
      description: settingDescription(key),
      appliesLive: info.appliesLive,
      secret: info.secret ?? null,
      overriddenBy: envOverrideOf(key, env),
    };
  });
}
