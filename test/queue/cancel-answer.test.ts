import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAgentProcesses } from '../support/agent-process.ts';
import { runDriveup, signInWithCli } from '../support/driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const { launch: startAgent } = useAgentProcesses();
let fake: FakeGoogle;

beforeEach(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  await fake.close();
});

describe('cancel', { timeout: 60_000 }, () => {
  it('says a finished job was not cancelled, and exits 1', async () => {
    const home = await tempDir();
    const env = fakeGoogleEnv(fake.url, home);
    const agent = await startAgent(env);
    await signInWithCli(env);
    const file = join(home, 'done.txt');
    await writeFile(file, 'uploaded before anyone cancels it');
    const done = await agent.next('job.done');
    const {
      jobs: [job],
    } = await agent.client.queue.add.mutate({ paths: [file], folder: 'Cancel' });
    await done();

    const human = await runDriveup(['cancel', job!.id], env);
    const json = await runDriveup(['cancel', job!.id, '--json'], env);

    expect(human.code).toBe(1);
    expect(human.stdout).toBe('Not cancelled: done.txt is done.\n');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      cancelled: false,
      job: { id: job!.id, state: 'done' },
    });

    // Retrying it is refused alike, and an id with --failed is one request too many.
    const retry = await runDriveup(['retry', job!.id], env);
    expect(retry.code).toBe(1);
    expect(retry.stdout).toBe('Not queued again: done.txt is done.\n');
    const both = await runDriveup(['retry', job!.id, '--failed'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/not both/);
  });

  it('--all cancels every job waiting, retrying or uploading in one go, and says how many', async () => {
    const home = await tempDir();
    const env = fakeGoogleEnv(fake.url, home);
    const agent = await startAgent(env);
    await signInWithCli(env);
    // A folder added by mistake: its uploads are held back (the fake Drive answers 503, retried
    // in 10 min), one of them under way, the rest waiting.
    fake.addFault({ path: '/upload/', status: 503, retryAfterSeconds: 600, times: Infinity });
    const paths = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map(async (name) => {
        const path = join(home, `${name}.txt`);
        await writeFile(path, `private ${name}`);
        return path;
      }),
    );
    const { jobs } = await agent.client.queue.add.mutate({ paths, folder: 'Mistake' });

    const neither = await runDriveup(['cancel'], env);
    expect(neither.code).toBe(2);
    const both = await runDriveup(['cancel', jobs[0]!.id, '--all'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/not both/);

    const all = await runDriveup(['cancel', '--all'], env);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('Cancelled 5 jobs.\n');
    const states = await Promise.all(
      jobs.map((job) => agent.client.queue.get.query({ id: job.id })),
    );
    expect(states.map((job) => job.state)).toEqual(Array(5).fill('cancelled'));

    const again = await runDriveup(['cancel', '--all', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ cancelled: 0 });
    expect(fake.files().filter((f) => f.name.endsWith('.txt'))).toEqual([]);
  });
});
