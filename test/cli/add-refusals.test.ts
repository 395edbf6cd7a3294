import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAgentProcesses } from '../support/agent-process.ts';
import { runDriveup, waitForLine } from '../support/driveup-process.ts';
import { FOLDER_MIME, startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { useTempDir } from '../support/temp-dir.ts';

/** Another local user: DriveUp's agent runs as one here, as root may read anything. */
const OTHER_UID = 1234;
const CLI = fileURLToPath(new URL('../../src/cli/driveup.ts', import.meta.url));

const tempDir = useTempDir();
const agents = useAgentProcesses();
let fake: FakeGoogle;
beforeEach(async () => {
  fake = await startFakeGoogle();
});
afterEach(async () => {
  await fake.close();
});

/** `driveup add …` answers that a person can act on: what is really wrong, and what to type. */
describe('driveup add refuses clearly', () => {
  it('a file DriveUp may not read: "permission denied", not "no such file"', async () => {
    // The agent runs as another user, with a home of its own.
    const home = await tempDir();
    await chown(home, OTHER_UID, OTHER_UID);
    const env = fakeGoogleEnv(fake.url, home);
    const agent = startAs(OTHER_UID, ['agent', '--json'], env);
    try {
      await waitForLine(agent, /"pid"/);
      const locked = join(await tempDir(), 'locked');
      await mkdir(locked, { mode: 0o700 });
      const file = join(locked, 'payroll.xlsx');
      await writeFile(file, 'salaries');

      const result = await runDriveup(['add', file, '--to', 'HR'], env);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file} cannot be read: permission denied`);
      expect(result.stderr).not.toContain('No such file');
    } finally {
      agent.kill('SIGKILL');
      await once(agent, 'exit');
    }
  });

  it.each(['.', '..', 'Reports/../2026', './Reports'])(
    '--to %s: refused, saying what to write instead; no folder named "." is made',
    async (to) => {
      const agent = await agents.start(fake, await tempDir(), { signIn: false });
      const file = join(await tempDir(), 'f.txt');
      await writeFile(file, 'f');

      const result = await runDriveup(['add', file, '--to', to], agent.env);

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /"\.\.?" is not a folder in Drive: name a Drive folder, e\.g\. Reports\/2026, or "\/" for the top of My Drive/,
      );
      expect((await agent.client.queue.list.query({})).jobs).toEqual([]);
    },
  );

  it.runIf(process.platform === 'linux')(
    'a file the kernel makes up as it is read (/proc): refused, not uploaded empty',
    async () => {
      const agent = await agents.start(fake, await tempDir(), { signIn: false });

      const result = await runDriveup(['add', '/proc/self/status', '--to', 'Kernel'], agent.env);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        '/proc/self/status is made up by the kernel as it is read (/proc, /sys): it lists no size, so it would be uploaded empty.',
      );
      expect((await agent.client.queue.list.query({})).jobs).toEqual([]);
    },
  );

  it('--to / uploads to the top of My Drive; empty names between slashes are dropped, and the job says so', async () => {
    const agent = await agents.start(fake, await tempDir());
    const dir = await tempDir();
    await writeFile(join(dir, 'top.txt'), 'top');
    await writeFile(join(dir, 'nested.txt'), 'nested');

    const top = await runDriveup(
      ['add', join(dir, 'top.txt'), '--to', '/', '--wait', '--json'],
      agent.env,
    );
    const nested = await runDriveup(
      ['add', join(dir, 'nested.txt'), '--to', '/Lab//2026/', '--wait', '--json'],
      agent.env,
    );

    expect([top.code, nested.code]).toEqual([0, 0]);
    // The job says where it went, in the one form the folder resolver reads ('' is the top).
    const folderOf = (out: string) =>
      (JSON.parse(out) as { jobs: Array<{ folderPath: string }> }).jobs[0]?.folderPath;
    expect([folderOf(top.stdout), folderOf(nested.stdout)]).toEqual(['', 'Lab/2026']);
    const files = fake.files();
    const byName = (name: string) => files.find((f) => f.name === name);
    // My Drive's root is no folder DriveUp made.
    const [root] = byName('top.txt')?.parents ?? [];
    expect(files.some((f) => f.id === root)).toBe(false);
    const lab = byName('Lab');
    const year = byName('2026');
    expect([lab?.mimeType, lab?.parents]).toEqual([FOLDER_MIME, [root]]);
    expect(year?.parents).toEqual([lab?.id]);
    expect(byName('nested.txt')?.parents).toEqual([year?.id]);
    expect(
      files
        .filter((f) => f.mimeType === FOLDER_MIME)
        .map((f) => f.name)
        .sort(),
    ).toEqual(['2026', 'Lab']);
  });
});

/** `driveup …` run as another user, as driveup-process.ts runs it as this one. */
function startAs(uid: number, args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid,
    gid: uid,
  });
}
