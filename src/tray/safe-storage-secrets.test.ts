import { describe, expect, it } from 'vitest';
import { createElectronStandin } from '../../test/support/electron-standin/index.ts';
import { SafeStorageSecrets } from './safe-storage-secrets.ts';

async function secretsOn(platform: NodeJS.Platform, backend?: 'basic_text' | 'gnome_libsecret') {
  const standin = createElectronStandin({ platform, storageBackend: backend });
  await standin.app.whenReady();
  return new SafeStorageSecrets(standin.electron.safeStorage, platform);
}

describe('SafeStorageSecrets', () => {
  it('seals with safeStorage and opens only as the secret it was sealed as', async () => {
    const secrets = await secretsOn('linux');
    const sealed = await secrets.seal('refresh-token-123', 'google-tokens');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('refresh-token-123');
    expect(await secrets.open(sealed, 'google-tokens')).toBe('refresh-token-123');
    await expect(secrets.open(sealed, 'client-secret')).rejects.toThrow(/sealed as another/);
    expect(
      await secrets.answer({ type: 'secret', id: 4, op: 'open', context: 'x', data: 'AAAA' }),
    ).toMatchObject({
      type: 'secret-reply',
      id: 4,
      ok: false,
    });
  });

  it('says when the OS offers no keyring protection (Linux with basic_text)', async () => {
    expect((await secretsOn('linux', 'basic_text')).protection()).toBe('none');
    expect((await secretsOn('linux', 'gnome_libsecret')).protection()).toBe('os');
    expect((await secretsOn('darwin')).protection()).toBe('os');
  });

  it('refuses before the system can encrypt, rather than storing anything in clear', async () => {
    const standin = createElectronStandin();
    const secrets = new SafeStorageSecrets(standin.electron.safeStorage, 'linux');
    await expect(secrets.seal('x', 'y')).rejects.toThrow(/no encryption/);
  });
});
