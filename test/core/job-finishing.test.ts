import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/**
 * "Job finished" takes one route: the commit that marks the job done also writes its history
 * record and its watch-journal entry, and `job.done` is announced after that commit. A subscriber
 * that reads the database when it hears `job.done` (another connection, as a window's query does)
 * finds all three.
 */
describe('the commit that finishes a job', () => {
  it('holds the job, its history record and its journal entry when job.done is heard', async () => {
    harness = await startAgentHarness();
    const { agent } = harness;
    const folder = join(harness.home, 'instrument');
    await mkdir(folder);
    const { rule } = await agent.watch.addRule({ folder, stabilityWindowMs: 100 });
    const reader = new DatabaseSync(agent.paths.databaseFile, { readOnly: true });
    const seenAtDone = new Promise<unknown>((resolve) =>
      agent.bus.on('job.done', ({ job }) =>
        resolve({
          job: reader.prepare('SELECT state FROM jobs WHERE id = ?').get(job.id),
          history: reader.prepare('SELECT status FROM history WHERE id = ?').get(job.id),
          journal: reader
            .prepare('SELECT state, job_id FROM watch_journal WHERE rule_id = ? AND path = ?')
            .get(rule.id, 'plate-7.csv'),
          jobId: job.id,
        }),
      ),
    );

    await writeFile(join(folder, 'plate-7.csv'), 'absorbance');
    const seen = (await seenAtDone) as { jobId: string };
    reader.close();

    expect(seen).toEqual({
      job: { state: 'done' },
      history: { status: 'uploaded' },
      journal: { state: 'uploaded', job_id: seen.jobId },
      jobId: seen.jobId,
    });
    expect(agent.watch.getRule(rule.id).counts).toMatchObject({ uploaded: 1, queued: 0 });
  });
});
