import { chmod, chown, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import {
  checkDirectoryTrust,
  ensureTrustedDirectories,
  UntrustedDirectoryError,
} from './directory-trust.ts';
import { resolvePaths } from './paths.ts';

const tempDir = useTempDir();
const OTHER_UID = 1234;

async function home() {
  const root = await tempDir();
  return resolvePaths({ env: { DRIVEUP_HOME: root }, platform: 'linux' });
}

describe('directory trust', () => {
  it('creates the missing directories private (0700) and finds nothing wrong', async () => {
    const paths = resolvePaths({ env: { DRIVEUP_HOME: join(await tempDir(), 'a', 'b') } });
    await ensureTrustedDirectories(paths);
    for (const dir of [paths.configDir, paths.dataDir, paths.stateDir]) {
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
    }
    expect(await checkDirectoryTrust(paths)).toEqual([]);
  });

  it('reports each problem as data: owner, mode, links where DriveUp writes', async () => {
    const paths = await home();
    await ensureTrustedDirectories(paths);
    await chown(paths.dataDir, OTHER_UID, OTHER_UID);
    await chmod(paths.stateDir, 0o720);
    await writeFile(paths.settingsFile, '{}', { mode: 0o602 });
    await chmod(paths.settingsFile, 0o602);
    await symlink('/etc/passwd', join(paths.stateDir, 'driveup.3.log'));
    await mkdir(paths.secretsDir, { mode: 0o700 });
    await symlink('/etc/shadow', join(paths.secretsDir, 'google-tokens.1.json'));
    // current.log is the log's own link to its newest file.
    await symlink('driveup.1.log', join(paths.stateDir, 'current.log'));

    const problems = await checkDirectoryTrust(paths);

    expect(problems).toEqual(
      expect.arrayContaining([
        {
          kind: 'foreign-owner',
          path: paths.dataDir,
          detail: `owned by uid ${OTHER_UID}, not ${process.getuid!()}`,
        },
        { kind: 'writable-by-others', path: paths.stateDir, detail: 'mode 720' },
        { kind: 'writable-by-others', path: paths.settingsFile, detail: 'mode 602' },
        {
          kind: 'symlink',
          path: join(paths.stateDir, 'driveup.3.log'),
          detail: 'points to /etc/passwd',
        },
        {
          kind: 'symlink',
          path: join(paths.secretsDir, 'google-tokens.1.json'),
          detail: 'points to /etc/shadow',
        },
      ]),
    );
    expect(problems).toHaveLength(5);
    await expect(ensureTrustedDirectories(paths)).rejects.toBeInstanceOf(UntrustedDirectoryError);
  });

  it('accepts a sticky folder writable by all above it (/tmp), not a plain one', async () => {
    const top = await tempDir();
    const shared = join(top, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const inSticky = resolvePaths({ env: { DRIVEUP_HOME: join(shared, 'home') } });
    await ensureTrustedDirectories(inSticky);

    await chmod(shared, 0o777);
    expect(await checkDirectoryTrust(inSticky)).toEqual([
      { kind: 'writable-by-others', path: shared, detail: 'mode 777' },
    ]);
  });
});
