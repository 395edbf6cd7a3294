import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';

interface JobView {
  id: string;
  name: string;
  state: string;
}

/** Ids as `queue` and `watch list` show them (8 characters) work wherever an id is taken. */
describe('short ids', () => {
  let agent: CliAgent;
  const jobs = async () =>
    (JSON.parse((await runDriveup(['queue', '--json'], agent.env)).stdout) as { jobs: JobView[] })
      .jobs;

  beforeAll(async () => {
    // Not signed in: the jobs wait in the queue and can be cancelled and retried at leisure.
    agent = await startCliAgent({ signedIn: false });
    const dir = join(agent.home, 'files');
    await mkdir(dir);
    for (const name of ['one.txt', 'two.txt', 'three.txt']) await writeFile(join(dir, name), name);
    expect((await runDriveup(['add', dir], agent.env)).code).toBe(0);
    // Two ids that share their first 8 characters, as happens by chance in a long queue.
    await agent.stop();
    const db = new DatabaseSync(join(agent.home, 'data', 'driveup.db'));
    db.prepare("UPDATE jobs SET id = 'abcd1234-0' || substr(id, 11) WHERE name = 'one.txt'").run();
    db.prepare("UPDATE jobs SET id = 'abcd1234-f' || substr(id, 11) WHERE name = 'two.txt'").run();
    db.close();
    await agent.start();
  }, 60_000);

  afterAll(() => agent?.close());

  it('cancels and retries a job by the first characters of its id', async () => {
    const three = (await jobs()).find((job) => job.name === 'three.txt')!;
    const cancelled = await runDriveup(['cancel', three.id.slice(0, 8)], agent.env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toBe('Cancelled three.txt.\n');
    const retried = await runDriveup(['retry', three.id.slice(0, 5), '--json'], agent.env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toEqual({ retried: 1 });
  });

  it('refuses an ambiguous prefix with exit 2, naming the candidates, and touches nothing', async () => {
    const ambiguous = await runDriveup(['cancel', 'abcd1234'], agent.env);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/more than one job/);
    expect(ambiguous.stderr).toContain('one.txt');
    expect(ambiguous.stderr).toContain('two.txt');
    expect((await jobs()).filter((job) => job.state === 'cancelled')).toEqual([]);
    const one = (await jobs()).find((job) => job.name === 'one.txt')!;
    const exact = await runDriveup(['cancel', one.id.slice(0, 10)], agent.env);
    expect(exact.code, exact.stderr).toBe(0);
    expect(exact.stdout).toBe('Cancelled one.txt.\n');
  });

  it('answers a prefix nothing starts with as not found (exit 1), and a too short one too', async () => {
    const none = await runDriveup(['cancel', 'ffffffff'], agent.env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no job whose id starts with ffffffff/);
    const short = await runDriveup(['cancel', 'abc'], agent.env);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least its first 4 characters/);
  });

  it('pauses, resumes and removes a watch rule by the id `watch list` shows', async () => {
    const folder = join(agent.home, 'watched');
    await mkdir(folder);
    expect((await runDriveup(['watch', 'add', folder], agent.env)).code).toBe(0);
    const list = await runDriveup(['watch', 'list'], agent.env);
    const shown = /^\s*([0-9a-f]{8})\s/m.exec(list.stdout.split('\n')[1]!)![1]!;
    const paused = await runDriveup(['watch', 'pause', shown, '--json'], agent.env);
    expect(paused.code, paused.stderr).toBe(0);
    expect(JSON.parse(paused.stdout)).toMatchObject({ state: 'paused' });
    expect((await runDriveup(['watch', 'resume', shown.slice(0, 4)], agent.env)).code).toBe(0);
    const removed = await runDriveup(['watch', 'remove', shown, '--json'], agent.env);
    expect(removed.code, removed.stderr).toBe(0);
    expect((JSON.parse(removed.stdout) as { removed: string }).removed).toMatch(
      new RegExp(`^${shown}-`),
    );
  });
});
