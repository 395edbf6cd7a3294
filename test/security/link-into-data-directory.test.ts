import { execFile } from 'node:child_process';
import { link, mkdir, readdir, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAgentProcesses, type AgentProcess } from '../support/agent-process.ts';
import { FOLDER_MIME, startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const agents = useAgentProcesses();
let fake: FakeGoogle;
beforeEach(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  await fake.close();
});

const touch = (...args: string[]) => promisify(execFile)('touch', args);

/** The refresh-token file of the signed-in account. */
async function tokenFile(agent: AgentProcess): Promise<string> {
  const names = await readdir(agent.paths.secretsDir);
  const tokens = names.find((name) => name.startsWith('google-tokens'));
  if (!tokens) throw new Error(`no token file in ${names.join(', ')}`);
  return join(agent.paths.secretsDir, tokens);
}

const uploaded = () =>
  fake
    .files()
    .filter((f) => f.mimeType !== FOLDER_MIME)
    .map((f) => f.name)
    .sort();

/**
 * Threat: a link into DriveUp's own files (the refresh token, the database, settings.json with
 * the client secret) handed to DriveUp: by a person by mistake, by another user through a shared
 * folder, or swapped in before the upload. Never uploaded, whoever asks.
 */
describe("a link into DriveUp's data directory", () => {
  it('named explicitly: refused with a clear message, nothing queued', async () => {
    const agent = await agents.start(fake, await tempDir());
    const link = join(await tempDir(), 'notes.txt');
    await symlink(await tokenFile(agent), link);

    const refusal = agent.client.queue.add.mutate({ paths: [link], folder: 'Leak' });

    await expect(refusal).rejects.toThrow(
      `${link} leads into DriveUp's own files (${agent.paths.dataDir}): DriveUp never uploads its database, tokens, settings or logs`,
    );
    await expect(
      agent.client.queue.add.mutate({ paths: [agent.paths.databaseFile], folder: 'Leak' }),
    ).rejects.toThrow("is one of DriveUp's own files");
    expect((await agent.client.queue.list.query({})).jobs).toEqual([]);
  });

  it("in an added folder that holds DriveUp's home: its files are skipped as DriveUp's own", async () => {
    const top = await tempDir();
    const home = join(top, 'driveup-home');
    await mkdir(home, { mode: 0o700 });
    const agent = await agents.start(fake, home, { settings: { logLevel: 'info' } });
    await writeFile(join(top, 'report.txt'), 'report');

    const { jobs, skipped } = await agent.client.queue.add.mutate({ paths: [top], folder: 'All' });

    expect(jobs.map((job) => job.name)).toEqual(['report.txt']);
    expect(skipped.map((s) => [s.path, s.reason]).sort()).toEqual(
      [
        // The `driveup` process that started the agent made its compile cache there.
        [agent.paths.cacheDir, 'protected'],
        [agent.paths.dataDir, 'protected'],
        [agent.paths.settingsFile, 'protected'],
        [agent.paths.stateDir, 'protected'],
      ].sort(),
    );
  });

  it('in a watched folder that follows links: skipped as protected', async () => {
    const agent = await agents.start(fake, await tempDir());
    const folder = join(await tempDir(), 'drop');
    await mkdir(folder);
    await symlink(await tokenFile(agent), join(folder, 'tokens.json'));
    await writeFile(join(folder, 'real.txt'), 'real');

    const { rule } = await agent.client.watch.add.mutate({
      folder,
      stabilityWindowMs: 100,
      followSymlinks: true,
    });
    await agent.event('job.done', (e) => e.job.name === 'real.txt');

    expect(uploaded()).toEqual(['real.txt']);
    expect(await agent.client.watch.skipped.query({ id: rule.id })).toEqual([
      {
        path: 'tokens.json',
        reason: 'protected',
        message: expect.stringContaining("DriveUp's own files"),
      },
    ]);
  });

  it('swapped in for a named file before its upload: refused on the opened file', async () => {
    const agent = await agents.start(fake, await tempDir());
    const tokens = await tokenFile(agent);
    const path = join(await tempDir(), 'notes.txt');
    // A file that passes for the token file by size and time, named by the person.
    await writeFile(path, '');
    await truncate(path, (await stat(tokens)).size);
    await touch('-r', tokens, path);
    await agent.client.queue.pause.mutate({});
    const {
      jobs: [job],
    } = await agent.client.queue.add.mutate({ paths: [path], folder: 'Leak' });
    await rm(path);
    await symlink(tokens, path);

    await agent.client.queue.resume.mutate();
    const { job: failed } = await Promise.race([
      agent.event('job.failed', (e) => e.job.id === job!.id),
      agent.event('job.done', (e) => e.job.id === job!.id),
    ]);

    expect(uploaded()).toEqual([]);
    expect(failed.error).toBe(
      `${path} leads into DriveUp's own files (${agent.paths.dataDir}): DriveUp never uploads its database, tokens, settings or logs`,
    );
  });

  it('a hard link to the tokens, named: refused with a clear message, nothing queued', async () => {
    const agent = await agents.start(fake, await tempDir());
    const copy = join(await tempDir(), 'notes.json');
    await link(await tokenFile(agent), copy);

    await expect(agent.client.queue.add.mutate({ paths: [copy], folder: 'Leak' })).rejects.toThrow(
      `${copy} is a hard link to one of DriveUp's own files (in ${agent.paths.dataDir}): DriveUp never uploads its database, tokens, settings or logs`,
    );
    expect((await agent.client.queue.list.query({})).jobs).toEqual([]);
  });

  it('a hard link to the tokens in a watched folder (`cp -al` of the home): refused on the opened file', async () => {
    const agent = await agents.start(fake, await tempDir());
    const folder = join(await tempDir(), 'backup');
    await mkdir(folder);
    await link(await tokenFile(agent), join(folder, 'tokens.json'));
    await writeFile(join(folder, 'real.txt'), 'real');

    await agent.client.watch.add.mutate({ folder, stabilityWindowMs: 100 });
    const [{ job: failed }] = await Promise.all([
      agent.event('job.failed', (e) => e.job.name === 'tokens.json'),
      agent.event('job.done', (e) => e.job.name === 'real.txt'),
    ]);

    expect(uploaded()).toEqual(['real.txt']);
    expect(failed.error).toContain("is a hard link to one of DriveUp's own files");
  });
});
