import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  everySettingKey,
  expectEachKeyChangesAlone,
  patchFor,
} from '../../../test/support/setting-samples.ts';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { applyEnvOverrides } from './effective-config.ts';
import { SettingsError } from './settings-error.ts';
import { SETTING_INFO } from './settings-info.ts';
import { SETTING_KEYS } from './settings-schema.ts';
import { SettingsStore } from './settings-store.ts';

const tempDir = useTempDir();

describe('SettingsStore', () => {
  it('starts from defaults when there is no file, without creating one', async () => {
    const file = join(await tempDir(), 'settings.json');
    const settings = await new SettingsStore(file).load();
    expect(settings.uploads).toMatchObject({ concurrency: 3, chunkSizeBytes: 64 * 1024 * 1024 });
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
    expect(reread.uploads.chunkSizeBytes).toBe(64 * 1024 * 1024);
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

describe('SettingsStore changes one key at a time', () => {
  it('keeps every other key as it was when any key is set, for every key of the schema', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    const keys = await expectEachKeyChangesAlone({
      set: (key, value) =>
        store.update(patchFor(key, value)).then(
          () => true,
          () => false,
        ),
      // What a restart reads back.
      read: () => new SettingsStore(file).load(),
    });
    expect(keys.length).toBeGreaterThan(10);
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
    expect(reread.uploads).toMatchObject({ concurrency: 5, chunkSizeBytes: 64 * 1024 * 1024 });
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
    const walked = everySettingKey();
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
