import type { FakeGoogle } from '../../test/support/fake-google/index.ts';
import { nextEvent, type RunningAgent } from './fixtures.ts';
import { writeFiles, type TestFile } from './page-actions.ts';

/**
 * Uploads `files` one after the other into `folder`, the first refused by Drive (its storage is
 * full), and answers the batch the agent announced for them (`notifications.batch`).
 */
export async function finishedBatch(
  agent: RunningAgent,
  fakeGoogle: FakeGoogle,
  files: readonly TestFile[],
  folder: string,
): Promise<{ id: string; summary: string }> {
  // One upload at a time, so that the fault meets the first file: two running at once reach
  // Drive in either order.
  await agent.api.settings.update.mutate({
    set: { notifications: { batchSeconds: 1 }, uploads: { concurrency: 1 } },
  });
  const paths = await writeFiles(agent.dropDir, files);
  fakeGoogle.addFault({
    path: '/upload/drive/v3/files',
    status: 403,
    reason: 'storageQuotaExceeded',
    message: "The user's Drive storage quota has been exceeded.",
    times: 1,
  });
  // The batch with these files (an earlier window may still close meanwhile).
  const announced = nextEvent(agent.api, (e) => {
    if (e.type !== 'notifications.batch') return false;
    const { jobs } = (e.data as { batch: { jobs: Array<{ name: string }> } }).batch;
    return files.every((file) => jobs.some((job) => job.name === file.name));
  });
  await announced.started;
  for (const path of paths) {
    await agent.api.queue.add.mutate({ paths: [path], folder, source: 'drop' });
  }
  return ((await announced.event).data as { batch: { id: string; summary: string } }).batch;
}
