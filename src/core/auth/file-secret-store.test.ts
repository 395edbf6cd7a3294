import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  readFile,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { PassphraseCipher } from './passphrase-cipher.ts';
import { FileSecretStore } from './file-secret-store.ts';
import { SecretStoreError } from './secret-store.ts';

const tempDir = useTempDir();
const TOKEN = '1//refresh-token-that-must-never-be-readable-on-disk';

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('FileSecretStore', () => {
  it('keeps each secret in a 0600 file inside a 0700 directory it creates', async () => {
    const dir = join(await tempDir(), 'data', 'secrets');
    const store = new FileSecretStore({ dir });
    await store.set('google-tokens.1', TOKEN);
    expect(await store.get('google-tokens.1')).toBe(TOKEN);
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(join(dir, 'google-tokens.1.json'))).toBe(0o600);
    expect(await store.describe()).toEqual({ protection: null, where: dir });
  });

  it('tightens a directory and files that were left readable by others', async () => {
    const dir = join(await tempDir(), 'secrets');
    await mkdir(dir, { mode: 0o755 });
    const store = new FileSecretStore({ dir });
    await store.set('k', 'v');
    await chmod(join(dir, 'k.json'), 0o644);
    await chmod(dir, 0o755);
    expect(await store.get('k')).toBe('v');
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(join(dir, 'k.json'))).toBe(0o600);
  });

  it('answers undefined for a missing key and deletes idempotently', async () => {
    const store = new FileSecretStore({ dir: await tempDir() });
    expect(await store.get('nothing')).toBeUndefined();
    await store.set('k', 'v');
    await store.delete('k');
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });

  it('never reads or writes a token file through a symbolic link planted in its place', async () => {
    const dir = await tempDir();
    const target = join(await tempDir(), 'cron-job');
    await writeFile(target, 'echo hello\n');
    await chmod(target, 0o755);
    await symlink(target, join(dir, 'k.json'));
    const store = new FileSecretStore({ dir });

    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as Error).message).toMatch(/k\.json is a symbolic link/);
    await store.set('k', TOKEN);

    // The link was replaced by a file of DriveUp's own; what it pointed to is untouched.
    expect((await lstat(join(dir, 'k.json'))).isFile()).toBe(true);
    expect(await store.get('k')).toBe(TOKEN);
    expect(await readFile(target, 'utf8')).toBe('echo hello\n');
    expect(await modeOf(target)).toBe(0o755);
  });

  it('refuses keys that are not plain file names', async () => {
    const store = new FileSecretStore({ dir: await tempDir() });
    await expect(store.set('../escape', 'v')).rejects.toThrow(/invalid secret key/);
    await expect(store.get('a/b')).rejects.toThrow(/invalid secret key/);
  });

  describe('with a passphrase cipher', () => {
    it('round-trips while the file holds no plaintext byte of the secret', async () => {
      const dir = await tempDir();
      const store = new FileSecretStore({
        dir,
        cipher: new PassphraseCipher('correct horse battery staple'),
      });
      await store.set('google-tokens.1', JSON.stringify({ refresh_token: TOKEN }));
      const raw = await readFile(join(dir, 'google-tokens.1.json'));
      expect(raw.includes(TOKEN)).toBe(false);
      expect(raw.includes('refresh-token')).toBe(false);
      expect(raw.includes(Buffer.from(TOKEN).toString('base64'))).toBe(false);
      expect(JSON.parse((await store.get('google-tokens.1'))!)).toEqual({ refresh_token: TOKEN });
      expect(await store.describe()).toEqual({ protection: 'passphrase', where: dir });
      expect(await modeOf(join(dir, 'google-tokens.1.json'))).toBe(0o600);
    });

    it('says the key is wrong instead of returning garbage', async () => {
      const dir = await tempDir();
      await new FileSecretStore({ dir, cipher: new PassphraseCipher('right') }).set('k', TOKEN);
      const wrong = new FileSecretStore({ dir, cipher: new PassphraseCipher('wrong') });
      const error = await wrong.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretStoreError);
      expect(error).toMatchObject({ problem: 'wrong-key', file: join(dir, 'k.json') });
      expect((error as Error).message).toMatch(/not the one it was written with/);
    });

    it('says the key is missing when an encrypted file is read without one', async () => {
      const dir = await tempDir();
      await new FileSecretStore({ dir, cipher: new PassphraseCipher('right') }).set('k', TOKEN);
      await expect(new FileSecretStore({ dir }).get('k')).rejects.toMatchObject({
        problem: 'locked',
        message: expect.stringMatching(/is encrypted, and no key to open it is set/),
      });
    });

    it('reads files sealed before the cipher was a port (the envelope is the file)', async () => {
      const dir = await tempDir();
      const cipher = new PassphraseCipher('right');
      const envelope = await cipher.sealEnvelope(TOKEN, 'k');
      await writeFile(join(dir, 'k.json'), JSON.stringify(envelope), { mode: 0o600 });
      expect(await new FileSecretStore({ dir, cipher }).get('k')).toBe(TOKEN);
    });

    it('does not accept one secret file copied over another', async () => {
      const dir = await tempDir();
      const store = new FileSecretStore({ dir, cipher: new PassphraseCipher('right') });
      await store.set('a', 'secret of a');
      await copyFile(join(dir, 'a.json'), join(dir, 'b.json'));
      await expect(store.get('b')).rejects.toBeInstanceOf(SecretStoreError);
    });

    it('encrypts a secret stored before the key was set as soon as it is read', async () => {
      const dir = await tempDir();
      await new FileSecretStore({ dir }).set('k', TOKEN);
      const store = new FileSecretStore({ dir, cipher: new PassphraseCipher('new key') });
      expect(await store.get('k')).toBe(TOKEN);
      expect((await readFile(join(dir, 'k.json'))).includes(TOKEN)).toBe(false);
      expect(await store.get('k')).toBe(TOKEN);
    });
  });
});
