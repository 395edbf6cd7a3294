import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface LogLine {
  level: number;
  msg: string;
  jobId?: string;
}

const WARN = 40;
const ERROR = 50;

describe('the log of failed uploads', () => {
  it('says error for a job given up on and warn for a failure that is retried', async () => {
    harness = await startAgentHarness();
    const { agent, fake, home } = harness;
    const upload = {
      method: 'POST',
      path: '/upload/drive/v3/files',
      uploadType: 'multipart' as const,
    };
    const [flaky, refused] = [join(home, 'flaky.txt'), join(home, 'refused.txt')];
    await writeFile(flaky, 'Drive fails once, then takes it');
    await writeFile(refused, 'Drive refuses it for good');

    fake.addFault({ ...upload, status: 503 });
    const done = harness.next('job.done');
    const {
      jobs: [retried],
    } = await agent.add({ paths: [flaky], folder: 'Logs', source: 'cli' });
    await done;
    fake.addFault({ ...upload, status: 400, reason: 'badRequest' });
    const failed = harness.next('job.failed', (f) => !f.willRetry);
    const {
      jobs: [givenUp],
    } = await agent.add({ paths: [refused], folder: 'Logs', source: 'cli' });
    await failed;
    await agent.stop();

    const logs = join(home, 'logs');
    const files = (await readdir(logs)).filter((name) => /^driveup\.\d+\.log$/.test(name));
    const lines = (await Promise.all(files.map((name) => readFile(join(logs, name), 'utf8'))))
      .flatMap((text) => text.split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as LogLine);
    const about = (id: string) => lines.filter((l) => l.jobId === id && l.level >= WARN);
    expect(about(retried!.id).map((l) => [l.level, l.msg])).toEqual([
      [WARN, 'upload attempt failed; will try again'],
    ]);
    expect(about(givenUp!.id).map((l) => [l.level, l.msg])).toEqual([[ERROR, 'upload failed']]);
  });
});
