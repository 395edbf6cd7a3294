import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
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
/** Same length as the file queued, so only the link itself can give the swap away. */
const SECRET = 'root:$6$hash$:19000:::::\n';
const QUEUED = 'an ordinary file, queued\n';

/** A secret of the queued file's size and time, as an attacker would make to pass the checks. */
async function secretLike(queued: string): Promise<string> {
  const secret = join(await tempDir(), 'shadow');
  await writeFile(secret, SECRET);
  await touch('-r', queued, secret);
  return secret;
}

async function outcome(agent: AgentProcess, jobId: string) {
  const { job } = await Promise.race([
    agent.event('job.done', (e) => e.job.id === jobId),
    agent.event('job.failed', (e) => e.job.id === jobId && !e.willRetry),
  ]);
  return job;
}

const storedSecrets = () =>
  fake
    .files()
    .filter((f) => f.mimeType !== FOLDER_MIME)
    .filter((f) => f.md5Checksum === createHash('md5').update(SECRET).digest('hex'));

/**
 * Threat: a regular file when the folder was scanned, a link when it is uploaded. Only a check
 * on the file actually opened can catch it: the name (O_NOFOLLOW) and where the handle really
 * leads, for a link on the file itself or on a folder above it.
 */
describe('a link swapped in after the scan', () => {
  it('in place of the file: the upload refuses it, and nothing reaches Drive', async () => {
    expect(SECRET.length).toBe(QUEUED.length);
    const agent = await agents.start(fake, await tempDir());
    const folder = join(await tempDir(), 'drop');
    await mkdir(folder);
    const path = join(folder, 'f.txt');
    await writeFile(path, QUEUED);
    await agent.client.queue.pause.mutate({});
    const {
      jobs: [job],
    } = await agent.client.queue.add.mutate({ paths: [folder], folder: 'Swap' });

    const secret = await secretLike(path);
    await rm(path);
    await symlink(secret, path);
    await agent.client.queue.resume.mutate();
    const ended = await outcome(agent, job!.id);

    expect(storedSecrets()).toEqual([]);
    expect(ended.state).toBe('failed');
    expect(ended.error).toBe(
      `${path} is now a symbolic link; links in ${folder} are not followed, so it was not uploaded`,
    );
  });

  it('in place of a folder above it: the upload refuses it, and nothing reaches Drive', async () => {
    const agent = await agents.start(fake, await tempDir());
    const folder = join(await tempDir(), 'drop');
    await mkdir(join(folder, 'sub'), { recursive: true });
    const path = join(folder, 'sub', 'f.txt');
    await writeFile(path, QUEUED);
    await agent.client.queue.pause.mutate({});
    const {
      jobs: [job],
    } = await agent.client.queue.add.mutate({ paths: [folder], folder: 'Swap' });

    // sub/ becomes a link to a folder holding a secret of the same name, size and time.
    const elsewhere = join(await tempDir(), 'etc');
    await mkdir(elsewhere);
    const secret = await secretLike(path);
    await rename(secret, join(elsewhere, 'f.txt'));
    await rename(join(folder, 'sub'), join(folder, 'old-sub'));
    await symlink(elsewhere, join(folder, 'sub'));
    await agent.client.queue.resume.mutate();
    const ended = await outcome(agent, job!.id);

    expect(storedSecrets()).toEqual([]);
    expect(ended.state).toBe('failed');
    expect(ended.error).toContain(`${path} is reached through a symbolic link`);
  });

  it('in place of the watched folder itself: nothing reached through it is uploaded', async () => {
    const agent = await agents.start(fake, await tempDir());
    const parent = await tempDir();
    const folder = join(parent, 'instrument');
    await mkdir(folder);
    const path = join(folder, 'f.txt');
    await writeFile(path, QUEUED);
    await agent.client.queue.pause.mutate({});
    const queued = agent.event('job.queued', (e) => e.job.name === 'f.txt');
    await agent.client.watch.add.mutate({ folder, stabilityWindowMs: 100 });
    const { job } = await queued;

    // Someone who can write in the parent moves the folder away and leaves a link to a private
    // folder holding a file of the same name, size and time.
    const private_ = join(await tempDir(), 'private');
    await mkdir(private_);
    await rename(await secretLike(path), join(private_, 'f.txt'));
    await rename(folder, join(parent, 'instrument.old'));
    await symlink(private_, folder);
    await agent.client.queue.resume.mutate();
    const ended = await outcome(agent, job.id);

    expect(storedSecrets()).toEqual([]);
    expect(ended.state).toBe('failed');
    expect(ended.error).toContain(`The watched folder ${folder} is now a symbolic link`);
  });
});
