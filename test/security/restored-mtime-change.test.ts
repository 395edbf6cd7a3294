import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAgentProcesses } from '../support/agent-process.ts';
import { FOLDER_MIME, startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { useTempDir } from '../support/temp-dir.ts';

const MIB = 1024 * 1024;
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
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

/**
 * Threat: a file rewritten while it is read, its modification time then set back (`touch -r`,
 * rsync, some editors): size and mtime say nothing changed, so the bytes sent (half old, half new)
 * were recorded as the upload of a file that never had them. ctime cannot be set back.
 */
describe('a file changed mid-upload with its mtime restored', () => {
  it('is uploaded again from the start: Drive holds the final content once, the job its MD5', async () => {
    const agent = await agents.start(fake, await tempDir(), {
      settings: { uploads: { chunkSizeBytes: 256 * 1024, concurrency: 1 } },
    });
    const path = join(await tempDir(), 'scan.tif');
    const before = randomBytes(6 * MIB + 123);
    const after = randomBytes(before.length);
    await writeFile(path, before);
    // The times to put back, to the nanosecond, as `touch -r` does.
    const times = join(await tempDir(), 'times');
    await writeFile(times, '');
    await touch('-r', path, times);
    fake.setBandwidth(2 * MIB); // slow enough to act mid-upload

    const {
      jobs: [job],
    } = await agent.client.queue.add.mutate({ paths: [path], folder: 'Torn' });
    await agent.event('job.progress', (e) => e.jobId === job!.id && e.sentBytes >= MIB);
    // Overwritten in place (same size, no truncation), then the old times put back.
    const handle = await open(path, 'r+');
    await handle.write(after, 0, after.length, 0);
    await handle.close();
    await touch('-r', times, path);
    expect((await stat(path, { bigint: true })).mtimeNs).toBe(
      (await stat(times, { bigint: true })).mtimeNs,
    );
    fake.setBandwidth(null);

    const { job: done } = await Promise.race([
      agent.event('job.done', (e) => e.job.id === job!.id),
      agent.event('job.failed', (e) => e.job.id === job!.id && !e.willRetry),
    ]);

    const stored = fake.files().filter((f) => f.mimeType !== FOLDER_MIME);
    expect(stored.map((f) => [f.name, f.md5Checksum])).toEqual([['scan.tif', md5(after)]]);
    expect([done.state, done.md5]).toEqual(['done', md5(after)]);
  }, 30_000);
});
