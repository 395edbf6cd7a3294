import { readFileIfExists } from '../store/read-file-if-exists.ts';
import writeFileAtomic from 'write-file-atomic';
import { InvalidSettingsError, SettingsError } from './settings-error.ts';
import {
  settingsPatchSchema,
  settingsSchema,
  type Settings,
  type SettingsPatch,
} from './settings-schema.ts';

/**
 * The settings file: read and validated once, updated through validated patches, written
 * atomically (temp file, fsync, rename) so a crash never leaves half a file. A file that does not
 * parse is reported and never overwritten.
 */
export class SettingsStore {
  readonly file: string;
  #settings: Settings | undefined;

  constructor(file: string) {
    this.file = file;
  }

  async load(): Promise<Settings> {
    const text = await readFileIfExists(this.file);
    this.#settings = text === undefined ? settingsSchema.parse({}) : this.#parse(text);
    return this.#settings;
  }

  get(): Settings {
    if (!this.#settings) throw new Error('SettingsStore.load() must be called first');
    return this.#settings;
  }

  /** Applies a partial update, validates the result as a whole, then persists it. */
  async update(patch: SettingsPatch): Promise<Settings> {
    const checkedPatch = settingsPatchSchema.safeParse(patch);
    if (!checkedPatch.success) throw new InvalidSettingsError(checkedPatch.error);
    const merged = settingsSchema.safeParse(mergeSections(this.get(), checkedPatch.data));
    if (!merged.success) throw new InvalidSettingsError(merged.error);
    const next = merged.data;
    await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
    this.#settings = next;
    return next;
  }

  #parse(text: string): Settings {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new SettingsError(this.file, [`not valid JSON (${(error as Error).message})`]);
    }
    const result = settingsSchema.safeParse(raw);
    if (!result.success) throw SettingsError.fromZod(this.file, result.error);
    return result.data;
  }
}

function mergeSections(current: Settings, patch: SettingsPatch): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const existing = merged[key];
    merged[key] =
      typeof value === 'object' && value !== null && typeof existing === 'object'
        ? { ...existing, ...dropUndefined(value) }
        : value;
  }
  return merged;
}

function dropUndefined(value: object): object {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
