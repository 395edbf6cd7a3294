import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Sign-in and the queue together: access can end at any time, and no upload may be lost to it. */
describe('the agent when Google access ends', () => {
  it('waits for a sign-in before uploading anything, then uploads', async () => {
    harness = await startAgentHarness({ signedIn: false });
    const { agent, fake } = harness;
    expect(agent.queue.isPaused()).toBe(true);
    expect(agent.queue.currentPause).toMatchObject({ kind: 'auth', cause: 'not-signed-in' });
    const file = join(harness.home, 'early.txt');
    await writeFile(file, 'queued before signing in');
    const {
      jobs: [job],
    } = await agent.add({ paths: [file], folder: 'Early', source: 'cli' });
    const done = harness.next('job.done', (d) => d.job.id === job!.id);
    await harness.signIn();
    await done;
    expect(fake.files().filter((f) => f.name === 'early.txt')).toHaveLength(1);
  });

  it('pauses with the reason when access is revoked, keeps the job, and resumes after signing in again', async () => {
    harness = await startAgentHarness();
    const { agent, fake } = harness;
    fake.revokeAllRefreshTokens();
    fake.expireAccessTokens();
    const file = join(harness.home, 'revoked.txt');
    await writeFile(file, 'uploaded after signing in again');
    const paused = harness.next('queue.paused');
    // Queued once when added, and once more when the refused attempt hands it back.
    let queuedEvents = 0;
    const handedBack = harness.next('job.queued', () => ++queuedEvents === 2);
    const {
      jobs: [job],
    } = await agent.add({ paths: [file], folder: 'Revoked', source: 'cli' });
    expect((await paused).pause).toMatchObject({ kind: 'auth' });
    await handedBack;
    expect((await agent.auth.status()).state).toBe('needs-sign-in');
    expect(agent.queue.get(job!.id)?.state).toBe('queued');
    expect(agent.queue.get(job!.id)?.attempts).toBe(0);

    const done = harness.next('job.done', (d) => d.job.id === job!.id);
    await harness.signIn();
    await done;
    expect(agent.queue.isPaused()).toBe(false);
    expect(fake.files().filter((f) => f.name === 'revoked.txt')).toHaveLength(1);
  });

  it('pauses uploads on sign-out, and a person’s own pause survives a sign-in', async () => {
    harness = await startAgentHarness();
    const { agent } = harness;
    const paused = harness.next('queue.paused');
    await agent.auth.signOut();
    expect((await paused).pause).toMatchObject({ kind: 'auth', cause: 'not-signed-in' });
    await harness.signIn();
    expect(agent.queue.isPaused()).toBe(false);

    agent.queue.pause('Paused by you');
    await harness.signIn();
    expect(agent.queue.currentPause).toEqual({ kind: 'user', note: 'Paused by you' });
  });
});
