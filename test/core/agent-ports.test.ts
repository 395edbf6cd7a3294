import { readFile, readdir, writeFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/core/agent.ts';
import type { SecretCipher, SecretProtection } from '../../src/core/auth/secret-cipher.ts';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { followSignInUrl } from '../support/follow-sign-in.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A cipher as a desktop host gives one (it asks another process): reversible, visibly not plain
 * text, and says how well it protects.
 */
class RecordingCipher implements SecretCipher {
  readonly alg = 'test-cipher';
  readonly sealed: string[] = [];
  readonly level: SecretProtection;
  constructor(level: SecretProtection) {
    this.level = level;
  }
  async seal(plaintext: string, context: string): Promise<string> {
    this.sealed.push(context);
    return Buffer.from(JSON.stringify([context, plaintext])).toString('base64');
  }
  async open(sealed: string, context: string): Promise<string> {
    const [sealedFor, plaintext] = JSON.parse(Buffer.from(sealed, 'base64').toString()) as string[];
    if (sealedFor !== context) throw new Error('sealed as another secret');
    return plaintext!;
  }
  async protection(): Promise<SecretProtection> {
    return this.level;
  }
}

async function openAgent(options: Partial<Parameters<typeof Agent.open>[0]> = {}) {
  const fake: FakeGoogle = await startFakeGoogle();
  const env = fakeGoogleEnv(fake.url, await tempDir());
  const paths = resolvePaths({ env });
  const agent = await Agent.open({ paths, env, openBrowser: async () => {}, ...options });
  await agent.start();
  cleanups.push(async () => {
    await agent.stop();
    await fake.close();
  });
  const signIn = async () => {
    const attempt = await agent.auth.beginSignIn({ openBrowser: false });
    await followSignInUrl(attempt.url);
    await attempt.completion;
  };
  return { agent, fake, paths, signIn };
}

describe('the ports a host gives the engine', () => {
  it('seals the tokens with the host’s cipher, and status says how well it protects them', async () => {
    const cipher = new RecordingCipher('none');
    const { agent, paths, signIn } = await openAgent({ secretCipher: cipher });
    await signIn();

    expect(cipher.sealed.length).toBeGreaterThan(0);
    for (const file of await readdir(paths.secretsDir)) {
      const stored = JSON.parse(await readFile(join(paths.secretsDir, file), 'utf8'));
      expect(stored).toMatchObject({ v: 1, alg: 'test-cipher', sealed: expect.any(String) });
    }
    // Linux without a keyring: encrypted, with a key anyone could find.
    expect((await agent.auth.status()).warnings).toEqual([
      { kind: 'tokens-unprotected', where: paths.secretsDir, protection: 'none' },
    ]);
  });

  it('sends every request to Google through the host’s HTTP agent', async () => {
    const base = new HttpAgent({ keepAlive: true });
    cleanups.push(async () => base.destroy());
    const asked: string[] = [];
    const { agent, fake, signIn } = await openAgent({
      httpAgent: (url) => {
        asked.push(url.pathname);
        return base;
      },
    });
    await signIn();
    const file = join(await tempDir(), 'through-the-proxy.txt');
    await writeFile(file, 'sent through the host’s agent');
    const done = new Promise<void>((resolve) => agent.bus.on('job.done', () => resolve()));
    await agent.add({ paths: [file], folder: 'Proxied', source: 'cli' });
    await done;
    await agent.auth.signOut();

    expect(fake.files().some((f) => f.name === 'through-the-proxy.txt')).toBe(true);
    // The token exchange, the account, the upload and the revocation: each went through it.
    expect(asked).toEqual(
      expect.arrayContaining([
        '/token',
        '/drive/v3/about',
        expect.stringMatching(/^\/upload\/drive\/v3\/files/),
        '/revoke',
      ]),
    );
  });

  it('takes the log the host gives it', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const { agent } = await openAgent({
      log: async (level) => ({
        logger: pino({ level }, { write: (line: string) => void lines.push(line) }),
        close: async () => {},
      }),
    });
    await agent.stop();
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(
      expect.arrayContaining(['database opened', 'agent started', 'agent stopped']),
    );
  });
});
