import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppRouter, type AppRouter } from '../../src/ipc/server/app-router.ts';
import { createInProcessClient } from '../../src/ipc/server/in-process-client.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function uploaded(h: AgentHarness, name: string) {
  const path = join(h.home, name);
  await writeFile(path, `content of ${name}`);
  const recorded = h.next('history.recorded', (e) => e.name === name);
  await h.agent.add({ paths: [path], folder: 'Lab/2026', source: 'drop' });
  return recorded;
}

function api(h: AgentHarness) {
  return createInProcessClient<AppRouter>(createAppRouter(h.agent, { requestShutdown: () => {} }));
}

/** Review's "Move to Drive trash" for a file sent by mistake, against the fake Drive. */
describe('history.trash', () => {
  it('moves the upload to Drive trash, records when, and tells subscribers', async () => {
    harness = await startAgentHarness();
    const { id } = await uploaded(harness, 'wrong-plate.tif');
    const before = await api(harness).history.get.query({ id });
    expect(before.trashedAt).toBeNull();
    const fileId = before.driveFileId!;
    expect(harness.fake.state().files.find((f) => f.id === fileId)?.trashed).toBe(false);

    const announced = harness.next('history.trashed');
    const record = await api(harness).history.trash.mutate({ id });

    expect(record.trashedAt).toBeInstanceOf(Date);
    expect(harness.fake.state().files.find((f) => f.id === fileId)?.trashed).toBe(true);
    expect(await announced).toMatchObject({ id, name: 'wrong-plate.tif' });
    expect((await api(harness).history.get.query({ id })).trashedAt).toEqual(record.trashedAt);

    // Asked again (a double click): nothing more happens, the first time stays.
    const again = await api(harness).history.trash.mutate({ id });
    expect(again.trashedAt).toEqual(record.trashedAt);
  });

  it('the same file added again once its upload is in the trash is uploaded again, not "already in Drive"', async () => {
    harness = await startAgentHarness();
    const { id } = await uploaded(harness, 'needed-after-all.csv');
    const path = join(harness.home, 'needed-after-all.csv');
    await api(harness).history.trash.mutate({ id });

    const recorded = harness.next('history.recorded', (e) => e.name === 'needed-after-all.csv');
    const { jobs } = await harness.agent.add({ paths: [path], folder: 'Lab/2026', source: 'drop' });
    expect(jobs.map((job) => job.added)).toEqual(['queued']);
    const again = await recorded;
    expect(again.id).not.toBe(id);
    const inDrive = harness.fake.state().files.filter((f) => f.name === 'needed-after-all.csv');
    expect(inDrive.map((f) => f.trashed).sort()).toEqual([false, true]);
  });

  it('refuses, with the reason, what DriveUp did not put in Drive', async () => {
    harness = await startAgentHarness();
    harness.fake.addFault({
      path: '/upload/drive/v3/files',
      status: 403,
      reason: 'storageQuotaExceeded',
      message: 'full',
      times: 1,
    });
    const { id } = await uploaded(harness, 'never-arrived.csv');
    const refusal = await api(harness)
      .history.trash.mutate({ id })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(TRPCClientError);
    expect((refusal as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
    expect((refusal as Error).message).toBe(
      'never-arrived.csv is not in Drive (its upload failed), so there is nothing to move to the trash.',
    );

    const unknown = await api(harness)
      .history.trash.mutate({ id: 'no-such-job' })
      .catch((e: unknown) => e);
    expect((unknown as TRPCClientError<AppRouter>).data?.code).toBe('NOT_FOUND');
  });

  it('says so when the file is gone from Drive, and records nothing', async () => {
    harness = await startAgentHarness();
    const { id } = await uploaded(harness, 'deleted-meanwhile.txt');
    const fileId = (await api(harness).history.get.query({ id })).driveFileId!;
    harness.fake.addFault({ method: 'PATCH', path: `/drive/v3/files/${fileId}`, status: 404 });
    const failure = await api(harness)
      .history.trash.mutate({ id })
      .catch((e: unknown) => e);
    expect((failure as Error).message).toBe(
      'deleted-meanwhile.txt is no longer in Drive (deleted, or emptied from the trash).',
    );
    expect((await api(harness).history.get.query({ id })).trashedAt).toBeNull();
  });
});
