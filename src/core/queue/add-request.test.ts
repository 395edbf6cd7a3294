import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { addRequestSchema, AddPathError, expandAddRequest } from './add-request.ts';

const tempDir = useTempDir();

/** An added folder with what a busy folder holds besides plain files. */
async function project() {
  const root = join(await tempDir(), 'project');
  await mkdir(join(root, 'src'), { recursive: true });
  await mkdir(join(root, '.git'));
  await writeFile(join(root, 'src', 'main.c'), 'int main;');
  await writeFile(join(root, '.env'), 'TOKEN=x');
  await writeFile(join(root, '.git', 'config'), '[core]');
  await symlink(join(root, 'src', 'main.c'), join(root, 'main-link.c'));
  await promisify(execFile)('mkfifo', [join(root, 'pipe')]);
  return root;
}

describe('expandAddRequest', () => {
  it('takes the plain files of a folder, with its tree, and says what it left out and why', async () => {
    const root = await project();

    const { files, skipped } = await expandAddRequest([root], { folder: 'Lab' });

    expect(files).toEqual([
      {
        path: join(root, 'src', 'main.c'),
        folderPath: 'Lab/project/src',
        scope: { foundIn: root, followLinks: false },
      },
    ]);
    expect(skipped.map((s) => [s.path.slice(root.length + 1), s.reason]).sort()).toEqual([
      ['.env', 'hidden'],
      ['.git', 'hidden'],
      ['main-link.c', 'symlink'],
      ['pipe', 'special'],
    ]);
  });

  it('with includeHidden and followSymlinks, takes dot-files and links to files inside', async () => {
    const root = await project();

    const { files, skipped } = await expandAddRequest([root], {
      folder: 'Lab',
      includeHidden: true,
      followSymlinks: true,
    });

    expect(files.map((f) => f.path.slice(root.length + 1))).toEqual([
      '.env',
      '.git/config',
      'main-link.c',
      'src/main.c',
    ]);
    expect(files[2]?.scope).toEqual({ foundIn: root, followLinks: true });
    expect(skipped.map((s) => s.reason)).toEqual(['special']);
  });

  it('refuses a named FIFO with what it is', async () => {
    const root = await project();
    await expect(expandAddRequest([join(root, 'pipe')], { folder: 'Lab' })).rejects.toThrow(
      new AddPathError(
        `${join(root, 'pipe')} is a FIFO (named pipe), not a regular file or folder: only files and folders can be added`,
      ),
    );
  });
});

describe('addRequestSchema', () => {
  it('reads "/" as the top of My Drive and drops empty names, and refuses "." and ".."', () => {
    const parse = (folder: string) => addRequestSchema.safeParse({ paths: ['/a'], folder });
    expect(parse('/').data?.folder).toBe('');
    expect(parse(' Lab//2026/ ').data?.folder).toBe('Lab/2026');
    for (const bad of ['.', '..', 'a/./b', '', '  ']) expect(parse(bad).success).toBe(false);
  });
});
