import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';

/** What a watched folder left out is there to read, with the reason, from the command line. */
describe('driveup watch skipped', () => {
  let agent: CliAgent;
  let folder: string;

  beforeAll(async () => {
    agent = await startCliAgent({ signedIn: false });
    folder = join(agent.home, 'drop');
    await mkdir(folder);
    await writeFile(join(folder, 'data.csv'), '1,2\n');
    await symlink('/etc/passwd', join(folder, 'innocent.txt'));
    execFileSync('mkfifo', [join(folder, 'pipe')]);
  }, 60_000);

  afterAll(() => agent?.close());

  it('lists each skipped file with why, and `watch list` counts them', async () => {
    const added = await runDriveup(['watch', 'add', folder, '--json'], agent.env);
    expect(added.code, added.stderr).toBe(0);
    const id = (JSON.parse(added.stdout) as { rule: { id: string } }).rule.id.slice(0, 8);
    const skipped = async () =>
      JSON.parse(
        (await runDriveup(['watch', 'skipped', id, '--json'], agent.env)).stdout,
      ) as Array<{
        path: string;
        reason: string;
      }>;
    await expect.poll(async () => (await skipped()).length, { timeout: 15_000 }).toBe(2);
    expect((await skipped()).map((s) => [s.path, s.reason]).sort()).toEqual([
      ['innocent.txt', 'symlink'],
      ['pipe', 'special'],
    ]);
    const human = await runDriveup(['watch', 'skipped', id], agent.env);
    expect(human.stdout).toMatch(/innocent\.txt .*is a symbolic link/);
    expect(human.stdout).toMatch(/pipe .*FIFO/);
    // data.csv settles, then waits in the queue (not signed in): then the counts stand still.
    await expect
      .poll(async () => (await runDriveup(['watch', 'list'], agent.env)).stdout, {
        timeout: 15_000,
      })
      .toMatch(/\b1 seen, 1 queued, 2 skipped$/m);
  });
});
