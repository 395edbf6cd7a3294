import type { SettingKey } from './settings-schema.ts';

/** Events the agent emits about its settings (name → payload). */
export interface SettingsEvents {
  /** Settings were changed (through the agent), each applied already where it applies live. */
  'settings.changed': { keys: SettingKey[] };
}
