import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { readFileIfExists } from '../store/read-file-if-exists.ts';
import { InvalidSettingsError, SettingsError } from './settings-error.ts';
import {
  settingKeySchema,
  settingsPatchSchema,
  settingsSchema,
  type Settings,
  type SettingKey,
  type SettingsPatch,
} from './settings-schema.ts';

type StoredSettings = Record<string, unknown>;

/**
 * The settings file: read and validated once, updated through validated changes, written
 * atomically (temp file, fsync, rename) so a crash never leaves half a file. A file that does not
 * parse is reported and never overwritten.
 *
 * The file holds what was set, not the defaults: a change merges into it key by key, an unset key
 * is removed from it (so its default applies, including a default that changes in a later version).
 */
export class SettingsStore {
  readonly file: string;
  #stored: StoredSettings = {};
  #settings: Settings | undefined;
  /** Updates run one at a time, so two quick changes cannot each undo the other. */
  #updates: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  async load(): Promise<Settings> {
    const text = await readFileIfExists(this.file);
    this.#stored = text === undefined ? {} : this.#parseJson(text);
    this.#settings = this.#validate(this.#stored);
    return this.#settings;
  }

  get(): Settings {
    if (!this.#settings) throw new Error('SettingsStore.load() must be called first');
    return this.#settings;
  }

  /**
   * Sets the keys in `patch` and unsets the keys in `unset`, leaving every other key as it was;
   * validates the result as a whole, then persists it. Refused changes write nothing.
   */
  update(patch: SettingsPatch, unset: readonly SettingKey[] = []): Promise<Settings> {
    const run = this.#updates.then(() => this.#update(patch, unset));
    this.#updates = run.catch(() => undefined);
    return run;
  }

  async #update(patch: SettingsPatch, unset: readonly SettingKey[]): Promise<Settings> {
    this.get();
    // Checked apart so each problem names the setting, not the shape of the request.
    const checkedPatch = settingsPatchSchema.safeParse(patch);
    if (!checkedPatch.success) throw new InvalidSettingsError(checkedPatch.error, patch);
    for (const key of unset) {
      const checkedKey = settingKeySchema.safeParse(key);
      if (!checkedKey.success) throw new InvalidSettingsError(checkedKey.error, key);
    }
    const stored = withUnset(merged(this.#stored, checkedPatch.data), unset);
    const checked = settingsSchema.safeParse(stored);
    if (!checked.success) throw new InvalidSettingsError(checked.error, stored);
    // Owner only: settings may hold the OAuth client secret and a MongoDB password.
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    this.#stored = stored;
    this.#settings = checked.data;
    return checked.data;
  }

  #parseJson(text: string): StoredSettings {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new SettingsError(this.file, [`not valid JSON (${(error as Error).message})`]);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SettingsError(this.file, ['(top level): expected an object']);
    }
    return raw as StoredSettings;
  }

  #validate(stored: StoredSettings): Settings {
    const result = settingsSchema.safeParse(stored);
    if (!result.success) throw SettingsError.fromZod(this.file, result.error);
    return result.data;
  }
}

/** A copy of `stored` with every key of `patch` set; sections merge field by field. */
function merged(stored: StoredSettings, patch: SettingsPatch): StoredSettings {
  const next: StoredSettings = structuredClone(stored);
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null || typeof value !== 'object') {
      next[name] = value;
      continue;
    }
    const section = isRecord(next[name]) ? next[name] : {};
    for (const [field, fieldValue] of Object.entries(value)) {
      if (fieldValue !== undefined) section[field] = fieldValue;
    }
    next[name] = section;
  }
  return next;
}

function withUnset(stored: StoredSettings, keys: readonly SettingKey[]): StoredSettings {
  for (const key of keys) {
    const [name, field] = key.split('.') as [string, string | undefined];
    const section = stored[name];
    if (field === undefined || !isRecord(section)) {
      if (field === undefined) delete stored[name];
      continue;
    }
    delete section[field];
    if (Object.keys(section).length === 0) delete stored[name];
  }
  return stored;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
