import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/core/agent.ts';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { SettingKey } from '../../src/core/config/settings-schema.ts';
import type { SubscribeFn } from '../../src/core/watch/folder-watcher.ts';
import { createHarness } from '../support/watch/watch-test-harness.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { followSignInUrl } from '../support/follow-sign-in.ts';
import { expectEachKeyChangesAlone, patchFor } from '../support/setting-samples.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(options: { signedIn?: boolean } = {}): Promise<AgentHarness> {
  const started = await startAgentHarness(options);
  cleanups.push(() => started.close());
  return started;
}

async function fakeGoogle(): Promise<FakeGoogle> {
  const fake = await startFakeGoogle();
  cleanups.push(() => fake.close());
  return fake;
}

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const MiB = 1024 * 1024;

/** Every setting applies in the running agent, or says when it will. */
describe('the agent applies settings while it runs', () => {
  it('changes only the key it is given, for every key, and says when each applies', async () => {
    const { agent } = await harness({ signedIn: false });
    // The harness's environment points Google at the fake, overriding these three.
    const overriddenBy: Record<string, string> = {
      'google.endpoint': 'DRIVEUP_GOOGLE_ENDPOINT',
      'google.clientId': 'DRIVEUP_GOOGLE_CLIENT_ID',
      'google.clientSecret': 'DRIVEUP_GOOGLE_CLIENT_SECRET',
    };
    const answers: Array<{ key: string; takesEffect: string; overriddenBy: string | null }> = [];
    const keys = await expectEachKeyChangesAlone({
      set: async (key, value) => {
        try {
          const result = await agent.updateSettings(patchFor(key, value));
          answers.push(...result.changes);
          expect(result.settings).toEqual(agent.settings());
          return true;
        } catch {
          return false;
        }
      },
      read: async () => agent.settings(),
      overridden: Object.keys(overriddenBy),
    });
    expect(answers.map((answer) => answer.key)).toEqual(keys);
    // Web mode's address is chosen when the agent starts: those keys say so.
    const atNextStart = ['web.enabled', 'web.port'];
    for (const answer of answers) {
      const expected = atNextStart.includes(answer.key) ? 'next-start' : 'now';
      expect(answer.takesEffect, answer.key).toBe(expected);
      expect(answer.overriddenBy, answer.key).toBe(overriddenBy[answer.key] ?? null);
    }
  });

  it('tells faces, per key, whether it applies live, whether it is secret, and what overrides it', async () => {
    const { agent } = await harness({ signedIn: false });
    const keys = new Map(agent.settingKeys().map((view) => [view.key, view]));
    expect(keys.get('google.clientSecret')).toMatchObject({
      secret: 'whole',
      overriddenBy: 'DRIVEUP_GOOGLE_CLIENT_SECRET',
    });
    expect(keys.get('history.mongodbUri')).toMatchObject({
      secret: 'uri-password',
      overriddenBy: null,
    });
    expect(keys.get('uploads.chunkSizeBytes')).toMatchObject({
      appliesLive: true,
      secret: null,
      description: 'Resumable upload chunk size.',
    });
  });

  it('sends the next resumable upload in chunks of a new chunk size', async () => {
    const { agent, fake, home, next } = await harness();
    await agent.updateSettings({ uploads: { chunkSizeBytes: 1024 * 1024 } });
    const file = join(home, 'six-mib.bin');
    await writeFile(file, randomBytes(6 * MiB));
    const puts = fake.requestCount('PUT /upload/drive/v3/files');
    const {
      jobs: [job],
    } = await agent.add({ paths: [file], folder: 'Chunks', source: 'cli' });
    await next('job.done', (d) => d.job.id === job!.id);
    // 6 MiB in 1 MiB chunks; the default 64 MiB would have sent one.
    expect(fake.requestCount('PUT /upload/drive/v3/files') - puts).toBe(6);
  });

  it('talks to a new Google endpoint at once: signs in there and uploads there', async () => {
    const [first, second] = [await fakeGoogle(), await fakeGoogle()];
    const home = await tempDir();
    // The endpoint comes from the settings file here, not from the environment.
    const env = { DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
    await writeFile(
      join(home, 'settings.json'),
      JSON.stringify({
        google: {
          endpoint: first.url,
          clientId: 'fake-client-id',
          clientSecret: 'fake-client-secret',
        },
      }),
    );
    const agent = await Agent.open({
      paths: resolvePaths({ env }),
      env,
      openBrowser: async () => {},
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const result = await agent.updateSettings({ google: { endpoint: second.url } });
    expect(result.changes).toEqual([
      { key: 'google.endpoint', value: second.url, takesEffect: 'now', overriddenBy: null },
    ]);
    const attempt = await agent.auth.beginSignIn({ openBrowser: false });
    await followSignInUrl(attempt.url);
    await attempt.completion;
    const file = join(home, 'moved.txt');
    await writeFile(file, 'to the second endpoint');
    const {
      jobs: [job],
    } = await agent.add({ paths: [file], folder: 'Moved', source: 'cli' });
    const finished = await new Promise<string>((resolve) => {
      agent.bus.on('job.done', (d) => d.job.id === job!.id && resolve('done'));
      agent.bus.on('job.failed', (d) => d.job.id === job!.id && resolve(`failed: ${d.job.error}`));
    });
    expect(finished).toBe('done');
    expect(second.files().map((f) => f.name)).toContain('moved.txt');
    expect(first.files().map((f) => f.name)).not.toContain('moved.txt');
  });

  it('uses a MongoDB URI at once: a dead port is configured but not reachable', async () => {
    const { agent } = await harness({ signedIn: false });
    expect(agent.history.status()).toMatchObject({ mongodbConfigured: false, state: 'off' });
    const uri = `mongodb://127.0.0.1:${await deadPort()}/?directConnection=true`;
    await agent.updateSettings({ history: { mongodbUri: uri, mongodbDatabase: 'lab' } });
    const status = agent.history.status();
    expect(status).toMatchObject({ mongodbConfigured: true, reachable: false, backend: 'local' });
    expect(status.message).not.toMatch(/no MongoDB configured/);
    await agent.updateSettings({}, ['history.mongodbUri' as SettingKey]);
    expect(agent.history.status()).toMatchObject({ mongodbConfigured: false, state: 'off' });
    expect(agent.settings().history).toEqual({ mongodbDatabase: 'lab' });
  });

  it('unsets a key: its default applies again, at once', async () => {
    const { agent } = await harness({ signedIn: false });
    await agent.updateSettings({ uploads: { concurrency: 7, defaultFolder: 'Inbox' } });
    const result = await agent.updateSettings({}, ['uploads.concurrency']);
    expect(result.changes).toEqual([
      { key: 'uploads.concurrency', value: 3, takesEffect: 'now', overriddenBy: null },
    ]);
    expect(agent.settings().uploads).toMatchObject({ concurrency: 3, defaultFolder: 'Inbox' });
  });

  it('rescans watched folders at a new interval without a restart', async () => {
    // The OS never reports a change here: only a periodic rescan can find the file.
    const deaf = (async () => ({ unsubscribe: async () => {} })) as unknown as SubscribeFn;
    const dir = await tempDir();
    const h = createHarness(join(dir, 'data'), { subscribe: deaf, rescanIntervalMs: 3_600_000 });
    cleanups.push(() => h.close());
    await h.service.start();
    const folder = join(dir, 'watched');
    await mkdir(folder);
    await h.service.addRule({ folder, stabilityWindowMs: 100 });
    const file = join(folder, 'only-a-rescan-finds-me.txt');
    await writeFile(file, 'x');
    h.service.setRescanInterval(50);
    await h.sink.waitForPath(file);
  });
});
