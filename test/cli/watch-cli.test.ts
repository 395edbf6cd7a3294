import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';

interface RuleView {
  rule: { id: string; folder: string };
  state: string;
  counts: Record<string, number>;
}

describe('watch: answers are true', () => {
  let agent: CliAgent;
  const rules = async () =>
    (
      JSON.parse((await runDriveup(['watch', 'list', '--json'], agent.env)).stdout) as {
        rules: RuleView[];
      }
    ).rules;

  beforeAll(async () => {
    agent = await startCliAgent();
  }, 60_000);

  afterAll(() => agent?.close());

  it('refuses a folder that does not exist (exit 2) unless --allow-missing', async () => {
    const missing = join(agent.home, 'not-mounted-yet');
    const refused = await runDriveup(['watch', 'add', missing], agent.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/does not exist.*--allow-missing/s);
    expect(await rules()).toEqual([]);

    const allowed = await runDriveup(['watch', 'add', missing, '--allow-missing'], agent.env);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect((await rules()).map((r) => [r.rule.folder, r.state])).toEqual([
      [missing, 'folder-missing'],
    ]);
    const id = (await rules())[0]!.rule.id;
    expect((await runDriveup(['watch', 'remove', id], agent.env)).code).toBe(0);
  });

  it('counts a file whose upload will be retried as retrying, not failed, as status does; cancelled as cancelled', async () => {
    const folder = join(agent.home, 'instrument');
    await mkdir(folder);
    // Every upload answered 503 with a long Retry-After: the job waits to be retried.
    agent.fake.addFault({
      path: '/upload/',
      status: 503,
      retryAfterSeconds: 600,
      times: Infinity,
    });
    const added = await runDriveup(['watch', 'add', folder, '--stable', '100'], agent.env);
    expect(added.code, added.stderr).toBe(0);
    await writeFile(join(folder, 'reading.csv'), '1,2,3\n');
    let rule: RuleView | undefined;
    for (;;) {
      rule = (await rules()).find((r) => r.rule.folder === folder);
      if (rule?.counts.retrying === 1) break;
      expect(rule?.counts.failed ?? 0, 'a retrying job counted as failed').toBe(0);
    }
    expect(rule.counts).toMatchObject({ queued: 0, retrying: 1, failed: 0 });
    const status = JSON.parse((await runDriveup(['status', '--json'], agent.env)).stdout) as {
      queue: { counts: Record<string, number> };
    };
    expect(status.queue.counts).toMatchObject({ retrying: 1, failed: 0 });

    // Cancelled by someone is not a failure, and is not said to be one.
    const queue = JSON.parse((await runDriveup(['queue', '--json'], agent.env)).stdout) as {
      jobs: Array<{ id: string; name: string }>;
    };
    const job = queue.jobs.find((j) => j.name === 'reading.csv')!;
    expect((await runDriveup(['cancel', job.id], agent.env)).code).toBe(0);
    rule = (await rules()).find((r) => r.rule.folder === folder);
    expect(rule?.counts).toMatchObject({ retrying: 0, failed: 0, cancelled: 1 });
    const list = await runDriveup(['watch', 'list'], agent.env);
    expect(list.stdout).toMatch(/1 seen, 1 cancelled/);
    expect(list.stdout).not.toMatch(/failed/);
    agent.fake.clearFaults();
  });

  it('remove stops the folder: what it found and did not upload yet is cancelled, unless --keep-queued', async () => {
    // Every upload held back (503, retried in 10 min): found files wait in the queue, uploading
    // (held by the pacer) or waiting to retry.
    agent.fake.addFault({ path: '/upload/', status: 503, retryAfterSeconds: 600, times: Infinity });
    const waitingJob = async (name: string) => {
      for (;;) {
        const queue = JSON.parse((await runDriveup(['queue', '--json'], agent.env)).stdout) as {
          jobs: Array<{ id: string; name: string; state: string }>;
        };
        const job = queue.jobs.find((j) => j.name === name);
        if (job && ['queued', 'running', 'retrying'].includes(job.state)) return job;
      }
    };
    const stateOf = async (id: string) =>
      (
        JSON.parse((await runDriveup(['queue', '--all', '--json'], agent.env)).stdout) as {
          jobs: Array<{ id: string; state: string }>;
        }
      ).jobs.find((j) => j.id === id)?.state;
    const watchFolder = async (name: string, file: string) => {
      const folder = join(agent.home, name);
      await mkdir(folder);
      const added = await runDriveup(
        ['watch', 'add', folder, '--stable', '100', '--json'],
        agent.env,
      );
      expect(added.code, added.stderr).toBe(0);
      await writeFile(join(folder, file), 'x');
      return { rule: (JSON.parse(added.stdout) as RuleView).rule.id, job: await waitingJob(file) };
    };

    const wrong = await watchFolder('watched-by-mistake', 'private.txt');
    const removed = await runDriveup(['watch', 'remove', wrong.rule], agent.env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(
      `Removed rule ${wrong.rule.slice(0, 8)}. Cancelled 1 file it found that was not uploaded yet.\n`,
    );
    expect(await stateOf(wrong.job.id)).toBe('cancelled');

    const kept = await watchFolder('kept-going', 'wanted.txt');
    const keep = await runDriveup(
      ['watch', 'remove', kept.rule, '--keep-queued', '--json'],
      agent.env,
    );
    expect(JSON.parse(keep.stdout)).toEqual({ removed: kept.rule, cancelled: 0 });
    expect(['queued', 'running', 'retrying']).toContain(await stateOf(kept.job.id));
    agent.fake.clearFaults();
  });
});
