import { once } from 'node:events';
import { chmod, chown, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { startDriveup } from '../support/driveup-process.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import { useTempDir } from '../support/temp-dir.ts';

/** Another local user: the tests run as root, for whom permissions are no obstacle, so ownership is. */
const OTHER_UID = 1234;
const tempDir = useTempDir();
let fake: FakeGoogle;
beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterAll(async () => {
  await fake.close();
});

/**
 * `driveup agent` in `home`: how it ended. An agent that starts anyway is stopped at once (and
 * reported as started), so the test fails instead of waiting.
 */
async function startAgent(home: string, env: NodeJS.ProcessEnv = fakeGoogleEnv(fake.url, home)) {
  const child = startDriveup(['agent', '--json'], env);
  let stderr = '';
  let started = false;
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.includes('"pid"')) return;
    started = true;
    child.kill('SIGKILL');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, started, stderr };
}

async function freshHome() {
  const home = await tempDir();
  const paths = resolvePaths({ env: { DRIVEUP_HOME: home } });
  return { home, paths };
}

/**
 * Threat: DriveUp's own directories in another user's hands. Their settings.json would be loaded
 * (its google.endpoint would receive the tokens), their link in logs/ would turn log lines into
 * writes to a file of their choosing. Like ssh with ~/.ssh, the agent refuses to start.
 */
describe('a DriveUp directory that is not only yours', () => {
  it('owned by another user: the agent refuses to start, naming it and why', async () => {
    const { home } = await freshHome();
    // Their settings: everything DriveUp would send to Google would go to them.
    await writeFile(join(home, 'settings.json'), '{"logLevel":"debug"}\n');
    await chown(home, OTHER_UID, OTHER_UID);
    await chown(join(home, 'settings.json'), OTHER_UID, OTHER_UID);

    const result = await startAgent(home);

    expect(result.started).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${home}: belongs to another user (owned by uid ${OTHER_UID}`);
    expect(result.stderr).toContain(`${join(home, 'settings.json')}: belongs to another user`);
  });

  it('inside a folder another user owns: refused, since they could swap it for theirs', async () => {
    const top = await tempDir();
    const theirs = join(top, 'alice');
    await mkdir(theirs, { mode: 0o755 });
    await chown(theirs, OTHER_UID, OTHER_UID);
    const home = join(theirs, 'driveup');
    await mkdir(home, { mode: 0o700 });

    const result = await startAgent(home);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${theirs}: belongs to another user`);
  });

  it.each([
    ['the data directory, writable by its group', 'data', 0o770],
    ['the log directory, writable by everyone', 'logs', 0o707],
  ])('%s: refused, saying how to fix it', async (_, dir, mode) => {
    const { home } = await freshHome();
    await mkdir(join(home, dir), { mode: 0o700 });
    await chmod(join(home, dir), mode);

    const result = await startAgent(home);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${join(home, dir)}: other users may write to it (mode ${mode.toString(8)}); remove that with chmod go-w`,
    );
  });

  it('settings.json writable by others: refused before it is read', async () => {
    const { home, paths } = await freshHome();
    await writeFile(paths.settingsFile, '{}\n');
    await chmod(paths.settingsFile, 0o666);

    const result = await startAgent(home);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${paths.settingsFile}: other users may write to it`);
  });

  it('a symbolic link planted in logs/: refused, and the file it points to is left alone', async () => {
    const { home, paths } = await freshHome();
    const target = join(await tempDir(), 'passwd');
    await writeFile(target, 'root:x:0:0:root:/root:/bin/bash\n');
    await mkdir(paths.stateDir, { mode: 0o700 });
    // The names the log is written under.
    await symlink(target, join(paths.stateDir, 'driveup.1.log'));
    await symlink(target, join(paths.stateDir, 'driveup.log'));

    const result = await startAgent(home);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(paths.stateDir, 'driveup.1.log')}: is a symbolic link`);
    expect(await readFile(target, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
  });

  it('created by the agent itself where they are missing: private (0700), and it starts', async () => {
    const top = await tempDir();
    // The XDG layout: three directories in three places, none there yet.
    const env: NodeJS.ProcessEnv = {
      ...fakeGoogleEnv(fake.url, top),
      DRIVEUP_HOME: '',
      XDG_CONFIG_HOME: join(top, 'config'),
      XDG_DATA_HOME: join(top, 'share'),
      XDG_STATE_HOME: join(top, 'state'),
    };
    const paths = resolvePaths({ env, platform: 'linux' });
    const result = await startAgent(top, env);
    expect(result.started).toBe(true);
    for (const dir of [paths.configDir, paths.dataDir, paths.stateDir]) {
      expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
    }
  });
});
