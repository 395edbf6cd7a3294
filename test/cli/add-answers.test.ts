import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliAgent, type CliAgent } from '../support/cli-agent.ts';
import { runDriveup } from '../support/driveup-process.ts';

/** What `driveup add` says it did is what happened in Drive (issues 13.1 and 14.4, 14.18). */
describe('driveup add says what it did', () => {
  let agent: CliAgent;
  let file: string;
  const copiesIn = (folder: string) => {
    const parent = agent.fake
      .files()
      .find((f) => f.name === folder && f.mimeType.endsWith('folder'));
    return agent.fake.files().filter((f) => f.name === 'dest.txt' && f.parents[0] === parent?.id);
  };

  beforeAll(async () => {
    agent = await startCliAgent();
    file = join(agent.home, 'dest.txt');
    await writeFile(file, 'the same bytes twice');
  }, 60_000);
  afterAll(() => agent?.close());

  it('a file already in that folder is not uploaded again, and says since when and where', async () => {
    const first = await runDriveup(['add', file, '--to', 'FolderA', '--wait'], agent.env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^uploaded +dest\.txt .*\n1 of 1 file\(s\) uploaded\.\n$/);

    const again = await runDriveup(['add', file, '--to', 'FolderA', '--wait'], agent.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/not uploaded dest\.txt +already in FolderA since .+: http/);
    expect(again.stdout).toMatch(/0 of 1 file\(s\) uploaded; 1 already in Drive/);

    const queued = await runDriveup(['add', file, '--to', 'FolderA'], agent.env);
    expect(queued.stdout).toMatch(/not uploaded +dest\.txt +already in FolderA since/);
    expect(queued.stdout).toMatch(/0 of 1 file\(s\) queued; 1 already in Drive \(add --force/);
    expect(copiesIn('FolderA')).toHaveLength(1);
  });

  it('to another folder it is uploaded there', async () => {
    const other = await runDriveup(['add', file, '--to', 'FolderB', '--wait'], agent.env);
    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(/^uploaded +dest\.txt/);
    expect(copiesIn('FolderB')).toHaveLength(1);
  });

  it('--dry-run queues nothing and says what would happen', async () => {
    const fresh = join(agent.home, 'fresh.txt');
    await writeFile(fresh, 'never sent');
    const plan = await runDriveup(['add', file, fresh, '--to', 'FolderA', '--dry-run'], agent.env);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/would skip +dest\.txt +already in FolderA since/);
    expect(plan.stdout).toMatch(/would queue +fresh\.txt \(10 B\) +→ FolderA/);
    expect(plan.stdout).toMatch(/Dry run: 1 of 2 file\(s\) would be queued; nothing was\.\n$/);
    const queue = JSON.parse((await runDriveup(['queue', '--json'], agent.env)).stdout) as {
      jobs: Array<{ name: string }>;
    };
    expect(queue.jobs.map((job) => job.name)).not.toContain('fresh.txt');
  });

  it('--force uploads it again', async () => {
    const forced = await runDriveup(
      ['add', file, '--to', 'FolderA', '--force', '--wait'],
      agent.env,
    );
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^uploaded +dest\.txt/);
    expect(copiesIn('FolderA')).toHaveLength(2);
  });

  it('says what it left out of a folder, and how to include it', async () => {
    const dir = join(agent.home, 'drop');
    await mkdir(dir);
    await writeFile(join(dir, 'kept.txt'), 'kept');
    await writeFile(join(dir, '.hidden'), 'hidden');
    await symlink('/etc/passwd', join(dir, 'passwd'));
    await symlink(join(dir, 'kept.txt'), join(dir, 'again.txt'));
    const added = await runDriveup(['add', dir, '--to', 'Drop'], agent.env);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^queued +kept\.txt +→ Drop\/drop$/m);
    expect(added.stdout).toMatch(
      /^3 skipped: 2 symbolic links, 1 hidden file; use --include-hidden \/ --follow-symlinks$/m,
    );
    const json = JSON.parse(
      (await runDriveup(['add', dir, '--to', 'Drop', '--json'], agent.env)).stdout,
    );
    expect(json.skipped).toHaveLength(3);
    expect(json.jobs).toEqual([
      // Waiting or uploaded by now: either way, not a second job.
      expect.objectContaining({ name: 'kept.txt', added: expect.stringMatching(/^already-/) }),
    ]);
  });
});
