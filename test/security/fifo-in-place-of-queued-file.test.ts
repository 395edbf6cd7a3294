import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAgentProcesses } from '../support/agent-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
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

/**
 * Threat: a queued file replaced by a FIFO (or a device) before its upload. Opening a FIFO waits
 * for a writer, so the upload would hold its slot forever ("running 0%"), and with one slot the
 * whole queue. The file is opened without blocking and its type checked on the handle.
 */
describe('a FIFO in place of a queued file', () => {
  it('fails the job at once, saying what happened, and the slot uploads the next file', async () => {
    const agent = await agents.start(fake, await tempDir(), {
      settings: { uploads: { concurrency: 1 } },
    });
    const dir = await tempDir();
    const path = join(dir, 'f.txt');
    await writeFile(path, 'a file that will not stay one');
    await agent.client.queue.pause.mutate({});
    const {
      jobs: [job],
    } = await agent.client.queue.add.mutate({ paths: [path], folder: 'Fifo' });
    await rm(path);
    await promisify(execFile)('mkfifo', [path]);

    await agent.client.queue.resume.mutate();
    const failed = await agent.event('job.failed', (e) => e.job.id === job!.id);

    expect(failed.willRetry).toBe(false);
    expect(failed.job.error).toBe(`${path} is no longer a regular file`);
    // The one slot is free again: the next file goes through.
    const next = join(dir, 'next.txt');
    await writeFile(next, 'next in line');
    const {
      jobs: [second],
    } = await agent.client.queue.add.mutate({ paths: [next], folder: 'Fifo' });
    await agent.event('job.done', (e) => e.job.id === second!.id);
    expect(fake.files().map((f) => f.name)).not.toContain('f.txt');
  }, 20_000);
});
