import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runDriveup,
  signInWithCli,
  startDriveup,
  waitForLine,
} from '../support/driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `driveup settings` as README's "Using it for real" has a newcomer use it: the OAuth client set
 * before any agent runs, then changes while one does. Real processes throughout.
 */
describe('driveup settings', () => {
  let fake: FakeGoogle;
  let agent: ChildProcess | undefined;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    fake = await startFakeGoogle();
    home = await mkdtemp(join(tmpdir(), 'du-'));
    // No client id or secret in the environment: they come from the settings file.
    env = {
      DRIVEUP_HOME: home,
      DRIVEUP_GOOGLE_ENDPOINT: fake.url,
      DRIVEUP_GOOGLE_CLIENT_ID: '',
      DRIVEUP_GOOGLE_CLIENT_SECRET: '',
      DRIVEUP_MONGODB_URI: '',
    };
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGKILL');
      await once(agent, 'exit');
    }
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  it('with no agent running: validates, saves to the file, and says so', async () => {
    const id = await runDriveup(['settings', 'set', 'google.clientId', 'fake-client-id'], env);
    expect(id.code).toBe(0);
    expect(id.stdout).toBe(
      `google.clientId = "fake-client-id"\nNo agent running; saved to ${join(home, 'settings.json')}, used at the next start.\n`,
    );
    const secret = await runDriveup(
      ['settings', 'set', 'google.clientSecret', 'fake-client-secret'],
      env,
    );
    expect(secret.code).toBe(0);
    expect(secret.stdout).toMatch(/^google\.clientSecret = "••••"$/m);
    expect(secret.stdout).not.toContain('fake-client-secret');

    const refused = await runDriveup(['settings', 'set', 'uploads.concurrency', '99'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^uploads\.concurrency: Too big/);
    const word = await runDriveup(['settings', 'set', 'uploads.concurrency', 'abc'], env);
    expect([word.code, word.stderr]).toEqual([
      2,
      'uploads.concurrency: expected a number, got "abc"\n',
    ]);
    const unknown = await runDriveup(['settings', 'unset', 'uploads.nope'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no setting "uploads\.nope"/);

    const file = JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'));
    expect(file).toEqual({
      google: { clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
    });
  });

  it('reads the file with no agent, secrets masked unless --show-secrets', async () => {
    const masked = await runDriveup(['settings', 'get', 'google', '--json'], env);
    expect(masked.code).toBe(0);
    expect(JSON.parse(masked.stdout)).toEqual({
      key: 'google',
      value: { clientId: 'fake-client-id', clientSecret: '••••', scope: 'drive.file' },
    });
    expect(masked.stderr).toMatch(/No agent running; showing the settings in /);
    const shown = await runDriveup(
      ['settings', 'get', 'google.clientSecret', '--show-secrets'],
      env,
    );
    expect(shown.stdout).toBe('fake-client-secret\n');
  });

  it('the agent started afterwards uses them: signing in works', async () => {
    agent = startDriveup(['agent', '--json'], env);
    await waitForLine(agent, /"pid"/);
    await signInWithCli(env);
    expect((await runDriveup(['whoami'], env)).code).toBe(0);
  });

  it('with the agent running: each set changes one key and is applied now', async () => {
    const concurrency = await runDriveup(['settings', 'set', 'uploads.concurrency', '4'], env);
    expect(concurrency.stdout).toBe('uploads.concurrency = 4\nApplied now.\n');
    await runDriveup(['settings', 'set', 'uploads.defaultFolder', 'Inbox'], env);
    await runDriveup(['settings', 'set', 'google.scope', 'drive'], env);
    await runDriveup(['settings', 'set', 'notifications.enabled', 'false'], env);
    const uploads = JSON.parse((await runDriveup(['settings', 'get', '--json'], env)).stdout);
    expect(uploads.uploads).toMatchObject({ concurrency: 4, defaultFolder: 'Inbox' });
    expect(uploads.google).toMatchObject({ scope: 'drive', clientId: 'fake-client-id' });
    expect(uploads.notifications).toEqual({ enabled: false, batchSeconds: 10 });
    expect(uploads.google.clientSecret).toBe('••••');
    await runDriveup(['settings', 'unset', 'google.scope'], env);
  });

  it('takes sizes and rates as people write them', async () => {
    const rate = await runDriveup(
      ['settings', 'set', 'uploads.bandwidthLimitBytesPerSecond', '1M/s'],
      env,
    );
    expect(rate.stdout).toBe('uploads.bandwidthLimitBytesPerSecond = 1048576\nApplied now.\n');
    const chunk = await runDriveup(['settings', 'set', 'uploads.chunkSizeBytes', '512k'], env);
    expect(chunk.stdout).toBe('uploads.chunkSizeBytes = 524288\nApplied now.\n');
    await runDriveup(['settings', 'unset', 'uploads.bandwidthLimitBytesPerSecond'], env);
    await runDriveup(['settings', 'unset', 'uploads.chunkSizeBytes'], env);
    const word = await runDriveup(['settings', 'set', 'notifications.enabled', 'yes'], env);
    expect([word.code, word.stderr]).toEqual([
      2,
      'notifications.enabled: expected true or false, got "yes"\n',
    ]);
  });

  it('unsets a key: back to its default', async () => {
    const unset = await runDriveup(['settings', 'unset', 'uploads.concurrency', '--json'], env);
    expect(unset.code).toBe(0);
    expect(JSON.parse(unset.stdout)).toMatchObject({
      key: 'uploads.concurrency',
      value: 3,
      takesEffect: 'now',
      agentRunning: true,
    });
    const get = await runDriveup(['settings', 'get', 'uploads.defaultFolder'], env);
    expect(get.stdout).toBe('Inbox\n');
  });

  it('a MongoDB URI to a dead port: status says configured and not reachable; its password is masked', async () => {
    const uri = `mongodb://alice:hunter2@127.0.0.1:${await deadPort()}/?directConnection=true`;
    const set = await runDriveup(['settings', 'set', 'history.mongodbUri', uri], env);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^history\.mongodbUri = "mongodb:\/\/alice:••••@127\.0\.0\.1:/m);
    expect(set.stdout).not.toContain('hunter2');
    const status = await runDriveup(['status', '--json'], env);
    expect(JSON.parse(status.stdout).history).toMatchObject({
      mongodbConfigured: true,
      reachable: false,
    });
    const human = await runDriveup(['status'], env);
    expect(human.stdout).toMatch(/^History /m);
    expect(human.stdout).not.toMatch(/no MongoDB configured/);
    const all = await runDriveup(['settings', 'get', '--json'], env);
    expect(all.stdout).not.toContain('hunter2');
    await runDriveup(['settings', 'unset', 'history.mongodbUri'], env);
    expect(JSON.parse((await runDriveup(['status', '--json'], env)).stdout).history).toMatchObject({
      mongodbConfigured: false,
    });
  });

  it('says when an environment variable overrides what was saved', async () => {
    const set = await runDriveup(
      ['settings', 'set', 'google.endpoint', 'http://127.0.0.1:9/'],
      env,
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(
      /Saved, but DRIVEUP_GOOGLE_ENDPOINT is set in the agent's environment and wins while it is\./,
    );
    await runDriveup(['settings', 'unset', 'google.endpoint'], env);
  });
});
