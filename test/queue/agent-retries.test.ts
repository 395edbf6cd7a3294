import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the agent when Google’s token endpoint hiccups', () => {
  it('retries an upload through a single 4xx from the token endpoint, never pausing for a sign-in', async () => {
    harness = await startAgentHarness();
    const { agent, fake, home } = harness;
    const pauses: string[] = [];
    agent.bus.on('queue.paused', ({ pause }) => pauses.push(pause.kind));
    // Drive refuses the access token; renewing it fails once, with a plain 400.
    fake.expireAccessTokens();
    fake.addFault({ method: 'POST', path: '/token', status: 400 });
    const file = join(home, 'hiccup.txt');
    await writeFile(file, 'uploaded despite one bad answer from the token endpoint');

    const retried = harness.next('job.failed');
    const done = harness.next('job.done');
    const {
      jobs: [job],
    } = await agent.add({ paths: [file], folder: 'Hiccup', source: 'cli' });
    expect((await retried).willRetry).toBe(true);
    expect((await done).job.id).toBe(job!.id);

    expect(pauses).toEqual([]);
    expect(agent.queue.isPaused()).toBe(false);
    expect((await agent.auth.status()).state).toBe('signed-in');
    expect(agent.queue.get(job!.id)).toMatchObject({ state: 'done', attempts: 1 });
    expect(fake.files().filter((f) => f.name === 'hiccup.txt')).toHaveLength(1);
  });
});
