import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/core/agent.ts';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** A file a browser sent, staged in the data directory and queued from there. */
async function sendFromBrowser(agent: Agent, name: string, content: string) {
  const path = await agent.staging.stage(Readable.from([Buffer.from(content)]), name);
  const [job] = await agent.addStaged(path, 'From a browser');
  return { path, job: job! };
}

describe('files a browser sent (web mode)', () => {
  it('are queued as `browser` uploads, ahead of a watch backlog, and their staged copy goes once done', async () => {
    harness = await startAgentHarness();
    const { agent } = harness;
    const done = harness.next('job.done');
    const { path, job } = await sendFromBrowser(agent, 'scan.png', 'pixels');
    expect(job).toMatchObject({ source: 'browser', priority: 0, folderPath: 'From a browser' });
    await done;
    await agent.stop();
    expect(await exists(path)).toBe(false);
    expect(harness.fake.files().some((file) => file.name === 'scan.png')).toBe(true);
  });

  it('keep their staged copy while failed (Retry reads it again), and lose it once cancelled', async () => {
    harness = await startAgentHarness();
    const { agent, fake } = harness;
    fake.addFault({ path: '/upload/drive/v3/files', status: 403, reason: 'storageQuotaExceeded' });
    const failed = harness.next('job.failed', (f) => !f.willRetry);
    const { path, job } = await sendFromBrowser(agent, 'report.pdf', 'quarterly');
    await failed;
    expect(await exists(path)).toBe(true);

    const retried = harness.next('job.done', (d) => d.job.id === job.id);
    agent.queue.retry(job.id);
    await retried;

    agent.queue.pause();
    const waiting = await sendFromBrowser(agent, 'draft.txt', 'not this one');
    expect(agent.queue.cancel(waiting.job.id)).toMatchObject({ cancelled: true });
    await agent.stop();
    expect(await exists(path)).toBe(false);
    expect(await exists(waiting.path)).toBe(false);
  });

  it('are swept at start, keeping what a job not done or cancelled still needs', async () => {
    harness = await startAgentHarness();
    const { agent, fake } = harness;
    fake.addFault({ path: '/upload/drive/v3/files', status: 403, reason: 'storageQuotaExceeded' });
    const failed = harness.next('job.failed', (f) => !f.willRetry);
    const failedOne = await sendFromBrowser(agent, 'failed.txt', 'retry me later');
    await failed;
    agent.queue.pause();
    const queued = await sendFromBrowser(agent, 'queued.txt', 'still waiting');
    // Left by a run that crashed between staging and queuing: no job points at it.
    const orphanDir = join(agent.staging.dir, '00000000-0000-4000-8000-000000000000');
    await mkdir(orphanDir);
    const orphan = join(orphanDir, 'orphan.txt');
    await writeFile(orphan, 'nobody queued me');
    await agent.stop();

    const env = fakeGoogleEnv(fake.url, harness.home);
    const again = await Agent.open({
      paths: resolvePaths({ env }),
      env,
      openBrowser: async () => {},
    });
    await again.start();
    await again.stop();

    expect(await exists(orphan)).toBe(false);
    expect(await exists(failedOne.path)).toBe(true);
    expect(await exists(queued.path)).toBe(true);
  });
});
