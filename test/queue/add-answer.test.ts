import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { createInProcessClient } from '../../src/ipc/server/in-process-client.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';
import type { FakeGoogle } from '../support/fake-google/index.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('queue.add says what it did', () => {
  it('uploads to another folder, says when a file is already there, and plans without queuing', async () => {
    harness = await startAgentHarness();
    const { agent, fake, home } = harness;
    const client = createInProcessClient(createAppRouter(agent, { requestShutdown: () => {} }));
    const file = join(home, 'dest.txt');
    await writeFile(file, 'one file, two folders');
    const uploaded = harness.next('job.done');
    const first = await client.queue.add.mutate({ paths: [file], folder: 'FolderA' });
    await uploaded;

    const again = await client.queue.add.mutate({ paths: [file], folder: 'FolderA' });
    const plan = await client.queue.add.mutate({
      paths: [file],
      folder: 'FolderB',
      dryRun: true,
    });
    const countsAfterPlan = agent.queue.counts();
    const toB = harness.next('job.done');
    const elsewhere = await client.queue.add.mutate({ paths: [file], folder: 'FolderB' });
    await toB;

    expect(first).toMatchObject({ plan: null, jobs: [{ added: 'queued', folderPath: 'FolderA' }] });
    expect(again).toMatchObject({
      plan: null,
      jobs: [
        {
          id: first.jobs[0]!.id,
          added: 'already-uploaded',
          state: 'done',
          finishedAt: expect.any(Date),
          webViewLink: expect.stringMatching(/^http/),
        },
      ],
    });
    expect(plan).toEqual({
      jobs: [],
      plan: [
        {
          path: file,
          name: 'dest.txt',
          size: 21,
          folderPath: 'FolderB',
          added: 'queued',
          job: null,
        },
      ],
      skipped: [],
    });
    expect(countsAfterPlan).toMatchObject({ queued: 0, done: 1 });
    expect(elsewhere.jobs[0]).toMatchObject({ added: 'queued', folderPath: 'FolderB' });
    const folders = fake.files().filter((f) => f.name.startsWith('Folder'));
    const copies = fake.files().filter((f) => f.name === 'dest.txt');
    expect(copies.map((f) => folders.find((d) => d.id === f.parents[0])?.name).sort()).toEqual([
      'FolderA',
      'FolderB',
    ]);

    const forced = harness.next('job.done');
    const again2 = await client.queue.add.mutate({ paths: [file], folder: 'FolderA', force: true });
    await forced;
    expect(again2.jobs[0]).toMatchObject({ added: 'queued' });
    expect(again2.jobs[0]!.id).not.toBe(first.jobs[0]!.id);
    expect(fake.files().filter((f) => f.name === 'dest.txt')).toHaveLength(3);
  });

  it('the same file named through a linked folder is already there, not uploaded twice', async () => {
    harness = await startAgentHarness();
    const { agent, fake, home } = harness;
    const client = createInProcessClient(createAppRouter(agent, { requestShutdown: () => {} }));
    await mkdir(join(home, 'real'));
    await symlink(join(home, 'real'), join(home, 'linked'));
    await writeFile(join(home, 'real', 'a.bin'), 'one file, two names');
    const uploaded = harness.next('job.done');
    await client.queue.add.mutate({ paths: [join(home, 'real', 'a.bin')], folder: 'Demo' });
    await uploaded;

    const again = await client.queue.add.mutate({
      paths: [join(home, 'linked', 'a.bin')],
      folder: 'Demo',
    });

    expect(again.jobs).toMatchObject([
      { added: 'already-uploaded', path: join(home, 'real', 'a.bin') },
    ]);
    expect(fake.files().filter((f) => f.name === 'a.bin')).toHaveLength(1);
  });

  it('a folder named through a link is the folder it leads to: its files are not uploaded twice', async () => {
    harness = await startAgentHarness();
    const { agent, fake, home } = harness;
    const client = createInProcessClient(createAppRouter(agent, { requestShutdown: () => {} }));
    // ~/lab/run1 -> ~/disk/run1: the same folder name, so the same Drive folder.
    await mkdir(join(home, 'disk', 'run1'), { recursive: true });
    await mkdir(join(home, 'lab'));
    await symlink(join(home, 'disk', 'run1'), join(home, 'lab', 'run1'));
    await writeFile(join(home, 'disk', 'run1', 'frame.tif'), 'one file, two names');
    const uploaded = harness.next('job.done');
    await client.queue.add.mutate({ paths: [join(home, 'disk', 'run1')], folder: 'Demo' });
    await uploaded;

    const again = await client.queue.add.mutate({
      paths: [join(home, 'lab', 'run1')],
      folder: 'Demo',
    });

    expect(again.jobs).toMatchObject([
      {
        added: 'already-uploaded',
        folderPath: 'Demo/run1',
        path: join(home, 'disk', 'run1', 'frame.tif'),
      },
    ]);
    expect(fake.files().filter((f) => f.name === 'frame.tif')).toHaveLength(1);
  });
});

describe('a file deleted in Drive, not through DriveUp, is not "already in Drive"', () => {
  /** What a person does in Drive's own pages: the file deleted for good, or moved to the trash. */
  async function inDrive(fake: FakeGoogle, fileId: string, change: 'delete' | 'trash') {
    const { access_token } = fake.issueTokens();
    const response = await fetch(`${fake.url}/drive/v3/files/${fileId}`, {
      method: change === 'delete' ? 'DELETE' : 'PATCH',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      ...(change === 'trash' ? { body: JSON.stringify({ trashed: true }) } : {}),
    });
    expect(response.ok).toBe(true);
  }

  it('adding it again uploads it again; a file still there is left alone, a dry run says so first', async () => {
    harness = await startAgentHarness();
    const { agent, fake, home } = harness;
    const client = createInProcessClient(createAppRouter(agent, { requestShutdown: () => {} }));
    const paths = ['deleted.txt', 'trashed.txt', 'kept.txt'].map((name) => join(home, name));
    for (const path of paths) await writeFile(path, `the content of ${path}`);
    const done = new Set<string>();
    agent.bus.on('job.done', ({ job }) => done.add(job.id));
    const first = await client.queue.add.mutate({ paths, folder: 'Lab' });
    await harness.next('job.done', () => done.size === 3);
    const [deleted, trashed, kept] = first.jobs.map((job) => agent.queue.get(job.id)!);
    await inDrive(fake, deleted!.driveFileId!, 'delete');
    await inDrive(fake, trashed!.driveFileId!, 'trash');

    const plan = await client.queue.add.mutate({ paths, folder: 'Lab', dryRun: true });
    const again = await client.queue.add.mutate({ paths, folder: 'Lab' });

    expect(plan.plan!.map((file) => file.added)).toEqual(['queued', 'queued', 'already-uploaded']);
    expect(again.jobs.map((job) => job.added)).toEqual(['queued', 'queued', 'already-uploaded']);
    expect(again.jobs[2]!.id).toBe(kept!.id);
    await harness.next('job.done', () => done.size === 5);
    const live = fake.files().filter((f) => !f.trashed && f.name.endsWith('.txt'));
    expect(live.map((f) => f.name).sort()).toEqual(['deleted.txt', 'kept.txt', 'trashed.txt']);
    expect(agent.queue.get(deleted!.id)).toMatchObject({ state: 'done' });
  });

  it('when Drive cannot be asked, the add is answered with what was known, and nothing is queued', async () => {
    harness = await startAgentHarness();
    const { agent, fake, home } = harness;
    const client = createInProcessClient(createAppRouter(agent, { requestShutdown: () => {} }));
    const path = join(home, 'report.pdf');
    await writeFile(path, 'a report');
    const uploaded = harness.next('job.done');
    await client.queue.add.mutate({ paths: [path], folder: 'Lab' });
    await uploaded;
    fake.addFault({ method: 'GET', path: '/drive/v3/files/', status: 503, times: Infinity });

    const again = await client.queue.add.mutate({ paths: [path], folder: 'Lab' });

    expect(again.jobs).toMatchObject([{ added: 'already-uploaded', state: 'done' }]);
    expect(fake.requestCount('GET /drive/v3/files/{fileId}')).toBeGreaterThan(0);
    expect(agent.queue.counts()).toMatchObject({ queued: 0, running: 0, done: 1 });
  });
});
