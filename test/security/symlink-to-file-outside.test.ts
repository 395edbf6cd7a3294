import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobView as Job } from '../../src/ipc/server/job-view.ts';
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

const SECRET = 'root:$6$not-for-drive$:19000:0:99999:7:::\n';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

function storedFiles() {
  return fake
    .files()
    .filter((f) => f.mimeType !== FOLDER_MIME)
    .map((f) => [f.name, f.md5Checksum])
    .sort();
}

/** Waits until every job the agent has is finished, whatever the outcome. */
async function allFinished(agent: AgentProcess): Promise<void> {
  const { jobs } = await agent.client.queue.list.query({ limit: 1000 });
  const open = jobs.filter((job: Job) => !['done', 'failed', 'cancelled'].includes(job.state));
  await Promise.all(
    open.map((job) =>
      Promise.race([
        agent.event('job.done', (e) => e.job.id === job.id),
        agent.event('job.failed', (e) => e.job.id === job.id && !e.willRetry),
        agent.event('job.cancelled', (e) => e.job.id === job.id),
      ]),
    ),
  );
}

/** A shared drop folder: anyone may write into it, and someone linked a file they cannot read. */
async function dropFolder() {
  const secret = join(await tempDir(), 'shadow');
  await writeFile(secret, SECRET);
  const folder = join(await tempDir(), 'drop');
  await mkdir(folder);
  await symlink(secret, join(folder, 'innocent.txt'));
  await writeFile(join(folder, 'real.txt'), 'a real upload');
  return { folder };
}

/**
 * Threat: another local user who can write into a watched or added folder links a file they may
 * not read (/etc/shadow, DriveUp's tokens) into it, and DriveUp uploads it for them.
 */
describe('a symbolic link to a file outside the folder', () => {
  it('in a watched folder: not uploaded; the rule lists it as skipped, with the reason', async () => {
    const agent = await agents.start(fake, await tempDir());
    const { folder } = await dropFolder();

    const { rule } = await agent.client.watch.add.mutate({ folder, stabilityWindowMs: 100 });
    await agent.event('job.done', (e) => e.job.name === 'real.txt');
    await allFinished(agent);

    expect(storedFiles()).toEqual([['real.txt', md5('a real upload')]]);
    expect(await agent.client.watch.skipped.query({ id: rule.id })).toEqual([
      {
        path: 'innocent.txt',
        reason: 'symlink',
        message: expect.stringContaining('is a symbolic link'),
      },
    ]);
    const [status] = await agent.client.watch.list.query();
    expect(status?.counts.skipped).toBe(1);
  });

  it('in a watched folder that follows links: still not, as the target is outside it', async () => {
    const agent = await agents.start(fake, await tempDir());
    const { folder } = await dropFolder();
    await symlink(join(folder, 'real.txt'), join(folder, 'alias.txt'));

    const { rule } = await agent.client.watch.add.mutate({
      folder,
      stabilityWindowMs: 100,
      followSymlinks: true,
    });
    await agent.event('job.done', (e) => e.job.name === 'alias.txt');
    await agent.event('job.done', (e) => e.job.name === 'real.txt');
    await allFinished(agent);

    // A link to a file inside the folder is followed: that is what the rule asked for.
    expect(storedFiles()).toEqual([
      ['alias.txt', md5('a real upload')],
      ['real.txt', md5('a real upload')],
    ]);
    expect(await agent.client.watch.skipped.query({ id: rule.id })).toEqual([
      { path: 'innocent.txt', reason: 'outside', message: expect.stringContaining('outside') },
    ]);
  });

  it('in an added folder: skipped and said so; named on its own, it is followed', async () => {
    const agent = await agents.start(fake, await tempDir());
    const { folder } = await dropFolder();

    const added = await agent.client.queue.add.mutate({ paths: [folder], folder: 'Adds' });

    expect(added.jobs.map((job) => job.name)).toEqual(['real.txt']);
    expect(added.skipped).toEqual([
      {
        path: join(folder, 'innocent.txt'),
        reason: 'symlink',
        message: expect.stringContaining('is a symbolic link'),
      },
    ]);
    // The person names the link itself: their intent, so it is uploaded.
    const named = await agent.client.queue.add.mutate({
      paths: [join(folder, 'innocent.txt')],
      folder: 'Named',
    });
    await Promise.all(
      [...added.jobs, ...named.jobs].map((job) =>
        agent.event('job.done', (e) => e.job.id === job.id),
      ),
    );
    expect(storedFiles()).toEqual([
      ['innocent.txt', md5(SECRET)],
      ['real.txt', md5('a real upload')],
    ]);
  });
});
