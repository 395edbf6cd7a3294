import { lstat, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { LogFileError, RollingFile } from './rolling-file.ts';

const tempDir = useTempDir();

describe('RollingFile', () => {
  it('never writes through a symbolic link planted where the log goes', async () => {
    const dir = await tempDir();
    const target = join(await tempDir(), 'passwd');
    await writeFile(target, 'root:x:0:0\n');
    await symlink(target, join(dir, 'driveup.1.log'));

    expect(() => new RollingFile({ dir, base: 'driveup', maxBytes: 1000, keep: 2 })).toThrow(
      LogFileError,
    );
    expect(await readFile(target, 'utf8')).toBe('root:x:0:0\n');
  });

  it('rolls over by size into 0600 files, keeps the newest few, current.log pointing at the newest', async () => {
    const dir = await tempDir();
    const file = new RollingFile({ dir, base: 'driveup', maxBytes: 100, keep: 2 });
    for (let i = 0; i < 10; i++) file.write(`${'x'.repeat(60)} line ${i}\n`);
    await file.close();

    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['current.log', 'driveup.10.log', 'driveup.8.log', 'driveup.9.log']);
    expect(await readlink(join(dir, 'current.log'))).toBe('driveup.10.log');
    expect(await readFile(join(dir, 'current.log'), 'utf8')).toContain('line 9');
    expect((await lstat(join(dir, 'driveup.10.log'))).mode & 0o777).toBe(0o600);
  });

  it('goes on in the newest file after a restart', async () => {
    const dir = await tempDir();
    const first = new RollingFile({ dir, base: 'driveup', maxBytes: 1000, keep: 2 });
    first.write('before\n');
    await first.close();
    const second = new RollingFile({ dir, base: 'driveup', maxBytes: 1000, keep: 2 });
    second.write('after\n');
    await second.close();

    expect(await readFile(join(dir, 'driveup.1.log'), 'utf8')).toBe('before\nafter\n');
  });
});
