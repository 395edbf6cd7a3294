import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { createInProcessClient } from '../../src/ipc/server/in-process-client.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';
import { CHUNK_UNIT } from '../support/fake-google/index.ts';

const MIB = 1024 * 1024;
let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function writeRandom(dir: string, name: string, size: number) {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, name, size, md5: createHash('md5').update(bytes).digest('hex') };
}

describe('pause', () => {
  it('stops the traffic of running uploads; resume sends only what Drive had not confirmed', async () => {
    harness = await startAgentHarness({
      settings: { uploads: { concurrency: 2, chunkSizeBytes: MIB } },
    });
    const { agent, fake, home } = harness;
    const client = createInProcessClient(createAppRouter(agent, { requestShutdown: () => {} }));
    // Resumable (over 5 MiB) and single-request, both under way when the pause comes.
    const large = await writeRandom(home, 'large.bin', 6 * MIB + 1234);
    const small = await writeRandom(home, 'small.bin', 2 * MIB);
    fake.setBandwidth(2 * MIB);
    const chunkConfirmed = harness.next('job.progress', (p) => p.confirmedBytes >= MIB);
    const { jobs } = await client.queue.add.mutate({
      paths: [large.path, small.path],
      folder: 'Paused',
    });
    await chunkConfirmed;
    const handedBack = jobs.map((job) => harness!.next('job.queued', (q) => q.job.id === job.id));

    const state = await client.queue.pause.mutate({});

    expect(state).toMatchObject({ paused: true, pauseKind: 'user', pauseReason: 'Paused by you' });
    const requeued = await Promise.all(handedBack);
    expect(requeued.map((q) => q.job.state)).toEqual(['queued', 'queued']);
    expect(requeued[0]!.job.confirmedBytes).toBeGreaterThanOrEqual(MIB);
    // Once the fake has taken in what was on the wire, nothing more arrives while paused.
    await expect.poll(() => fake.activeUploads()).toBe(0);
    const atPause = fake.bytesReceived();
    expect(atPause).toBeLessThan(large.size + small.size);
    const status = await client.agent.status.query();
    expect(status.queue).toMatchObject({ paused: true, pauseKind: 'user' });
    expect(fake.activeUploads()).toBe(0);
    expect(fake.bytesReceived()).toBe(atPause);

    fake.setBandwidth(null);
    const done = jobs.map((job) => harness!.next('job.done', (d) => d.job.id === job.id));
    expect(await client.queue.resume.mutate()).toMatchObject({ paused: false, pauseKind: null });
    await Promise.all(done);

    const stored = fake.files().filter((f) => f.name.endsWith('.bin'));
    expect(stored.map((f) => [f.name, f.md5Checksum]).sort()).toEqual([
      [large.name, large.md5],
      [small.name, small.md5],
    ]);
    // The large file went on from its confirmed offset: less than one 256 KiB unit sent again.
    // The small one started over: at most its own size again.
    const sentAgain = fake.bytesReceived() - large.size - small.size;
    expect(sentAgain).toBeLessThan(CHUNK_UNIT + small.size);
    expect(fake.requestCount('POST /upload/drive/v3/files')).toBeLessThanOrEqual(3);
  });
});
