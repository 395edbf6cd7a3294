import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { applyEnvOverrides } from './effective-config.ts';
import { SettingsError } from './settings-error.ts';
import { SETTING_INFO } from './settings-info.ts';
import { SETTING_KEYS, settingsSchema } from './settings-schema.ts';
import { SettingsStore } from './settings-store.ts';

const tempDir = useTempDir();

describe('SettingsStore', () => {
  it('starts from defaults when there is no file, without creating one', async () => {
    const file = join(await tempDir(), 'settings.json');
    const settings = await new SettingsStore(file).load();
    expect(settings.uploads).toMatchObject({ concurrency: 3, chunkSizeBytes: 8 * 1024 * 1024 });
    expect(settings.google.scope).toBe('drive.file');
    await expect(stat(file)).rejects.toThrow();
  });

  it('persists a validated update that a new store reads back, owner-only', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    await store.update({ uploads: { concurrency: 6 }, machineName: 'lab-pc' });
    const reread = await new SettingsStore(file).load();
    expect(reread.uploads.concurrency).toBe(6);
    expect(reread.uploads.chunkSizeBytes).toBe(8 * 1024 * 1024);
    expect(reread.machineName).toBe('lab-pc');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses an invalid update and keeps the file as it was', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    await store.update({ uploads: { concurrency: 2 } });
    const before = await readFile(file, 'utf8');
    await expect(store.update({ uploads: { chunkSizeBytes: 1000 * 1000 } })).rejects.toThrow(
      /256 KiB/,
    );
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(store.get().uploads.concurrency).toBe(2);
  });

  it('names the file and the field of an invalid file, and never overwrites it', async () => {
    const file = join(await tempDir(), 'settings.json');
    const text = JSON.stringify({ uploads: { concurrency: 99 } });
    await writeFile(file, text);
    const error = await new SettingsStore(file).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toContain(file);
    expect((error as SettingsError).fields).toEqual(['uploads.concurrency']);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('refuses a MongoDB connection string the driver cannot use, saying why', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    await expect(
      store.update({ history: { mongodbUri: 'mongodb://host:99999999' } }),
    ).rejects.toThrow(/history\.mongodbUri: not a usable MongoDB connection string/);
    await store.update({
      history: { mongodbUri: 'mongodb://127.0.0.1:27017/?directConnection=true' },
    });
    expect(store.get().history.mongodbUri).toContain('27017');
  });

  it('reports a file that is not JSON', async () => {
    const file = join(await tempDir(), 'settings.json');
    await writeFile(file, '{ "uploads": ');
    await expect(new SettingsStore(file).load()).rejects.toThrow(/not valid JSON/);
    expect(await readFile(file, 'utf8')).toBe('{ "uploads": ');
  });
});

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
}

/** Every setting as [section, field] (field null for a top-level one), read off the schema itself. */
function everyKey(): Array<[string, string | null]> {
  const json = z.toJSONSchema(settingsSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return Object.entries(json.properties!).flatMap(([name, node]): Array<[string, string | null]> =>
    node.type === 'object'
      ? Object.keys(node.properties!).map((field) => [name, field])
      : [[name, null]],
  );
}

function schemaOf(section: string, field: string | null): JsonSchema {
  const json = z.toJSONSchema(settingsSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  const top = json.properties![section]!;
  return field === null ? top : top.properties![field]!;
}

/** Values worth trying for a setting: its options, its bounds, a few strings of common shapes. */
function candidates(schema: JsonSchema, current: unknown): unknown[] {
  if (schema.anyOf) return schema.anyOf.flatMap((option) => candidates(option, current));
  if (schema.enum) return schema.enum;
  switch (schema.type) {
    case 'boolean':
      return [!current];
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = Math.min(schema.maximum ?? 2 ** 31, 2 ** 31);
      const n = typeof current === 'number' ? current : min;
      return [min, max, min * 2, n * 2, n + 1].filter((v) => v >= min && v <= max);
    }
    case 'string':
      return ['sample-text', 'http://127.0.0.1:9/', 'mongodb://127.0.0.1:9/?directConnection=true'];
    default:
      return [];
  }
}

function patchOf(section: string, field: string | null, value: unknown): Record<string, unknown> {
  return field === null ? { [section]: value } : { [section]: { [field]: value } };
}

function valueOf(settings: object, section: string, field: string | null): unknown {
  const top = (settings as Record<string, Record<string, unknown>>)[section]!;
  return field === null ? top : top[field];
}

describe('SettingsStore changes one key at a time', () => {
  it('keeps every other key as it was when any key is set, for every key of the schema', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    const keys = everyKey();
    expect(keys.length).toBeGreaterThan(10);
    for (const [section, field] of keys) {
      const name = field === null ? section : `${section}.${field}`;
      const before = structuredClone(store.get());
      const current = valueOf(before, section, field);
      let changed = false;
      for (const value of candidates(schemaOf(section, field), current)) {
        if (Object.is(value, current)) continue;
        const accepted = await store
          .update(patchOf(section, field, value))
          .then(() => true)
          .catch(() => false);
        if (!accepted) continue;
        changed = true;
        // Every other key kept its value, in memory and in the file a restart reads.
        const expected = structuredClone(before) as unknown as Record<
          string,
          Record<string, unknown>
        >;
        if (field === null) expected[section] = value as never;
        else expected[section]![field] = value;
        expect(store.get(), `after setting ${name}`).toEqual(expected);
        expect(await new SettingsStore(file).load(), `${name}, read back`).toEqual(expected);
        break;
      }
      expect(changed, `no value found to set ${name}: teach candidates() its type`).toBe(true);
    }
  });

  it('does what the issue reported: concurrency, then the default folder', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    await store.update({ uploads: { concurrency: 4 } });
    await store.update({ uploads: { defaultFolder: 'Inbox' } });
    await store.update({ google: { scope: 'drive' } });
    await store.update({ google: { clientId: 'id.apps.googleusercontent.com' } });
    await store.update({ notifications: { batchSeconds: 30 } });
    await store.update({ notifications: { enabled: false } });
    const reread = await new SettingsStore(file).load();
    expect(reread.uploads).toMatchObject({ concurrency: 4, defaultFolder: 'Inbox' });
    expect(reread.google).toMatchObject({
      scope: 'drive',
      clientId: 'id.apps.googleusercontent.com',
    });
    expect(reread.notifications).toEqual({ enabled: false, batchSeconds: 30 });
  });
});

describe('SettingsStore unset', () => {
  it('returns an unset key to its default, removes it from the file, and keeps the rest', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    await store.update({
      uploads: { concurrency: 5, chunkSizeBytes: 512 * 1024 },
      google: { clientId: 'id', endpoint: 'http://127.0.0.1:9/' },
    });
    await store.update({}, ['uploads.chunkSizeBytes', 'google.endpoint']);
    const reread = await new SettingsStore(file).load();
    expect(reread.uploads).toMatchObject({ concurrency: 5, chunkSizeBytes: 8 * 1024 * 1024 });
    expect(reread.google).toEqual({ clientId: 'id', scope: 'drive.file' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      uploads: { concurrency: 5 },
      google: { clientId: 'id' },
    });
  });

  it('refuses to unset a key that does not exist, naming it, and writes nothing', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    await expect(store.update({}, ['uploads.nope' as never])).rejects.toThrow(
      /there is no setting "uploads\.nope"/,
    );
    await expect(stat(file)).rejects.toThrow();
  });

  it('creates the configuration directory owner-only on the first change', async () => {
    const dir = join(await tempDir(), 'not-yet', 'config');
    const store = new SettingsStore(join(dir, 'settings.json'));
    await store.load();
    await store.update({ google: { clientId: 'id' } });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });
});

describe('setting keys and what faces know about them', () => {
  it('lists every key of the schema, each with its timing and secrecy', () => {
    const walked = everyKey().map(([section, field]) =>
      field === null ? section : `${section}.${field}`,
    );
    expect([...SETTING_KEYS].sort()).toEqual(walked.sort());
    expect(Object.keys(SETTING_INFO).sort()).toEqual(walked.sort());
  });
});

describe('applyEnvOverrides', () => {
  it('lets environment variables win over the file', async () => {
    const file = join(await tempDir(), 'settings.json');
    await writeFile(file, JSON.stringify({ google: { clientId: 'from-file' }, logLevel: 'warn' }));
    const settings = await new SettingsStore(file).load();
    const effective = applyEnvOverrides(settings, {
      DRIVEUP_GOOGLE_CLIENT_ID: 'from-env',
      DRIVEUP_GOOGLE_ENDPOINT: 'http://127.0.0.1:9',
      DRIVEUP_MONGODB_URI: 'mongodb://127.0.0.1:1',
      DRIVEUP_LOG_LEVEL: 'debug',
    });
    expect(effective.google.clientId).toBe('from-env');
    expect(effective.google.endpoint).toBe('http://127.0.0.1:9');
    expect(effective.history.mongodbUri).toBe('mongodb://127.0.0.1:1');
    expect(effective.logLevel).toBe('debug');
    expect(applyEnvOverrides(settings, {}).google.clientId).toBe('from-file');
  });
});
