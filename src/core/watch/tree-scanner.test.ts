import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { createPathFilter } from './ignore-rules.ts';
import { scanTree } from './tree-scanner.ts';

const tempDir = useTempDir();

const filter = createPathFilter({
  include: [],
  exclude: [],
  ignoreHidden: true,
  ignoreTemporary: true,
});

describe('tree scanner', () => {
  it('finds every file of a small folder and of one too big to list in one go', async () => {
    const root = await tempDir();
    mkdirSync(join(root, 'big'));
    const big = Array.from({ length: 4000 }, (_, i) => `big/${String(i).padStart(40, 'n')}.dat`);
    for (const path of big) writeFileSync(join(root, path), '');
    writeFileSync(join(root, 'small.txt'), 'small');
    writeFileSync(join(root, 'download.part'), 'left out');
    // Listed in the thread pool, not synchronously (see listFolder): Linux's file systems say so.
    if (process.platform === 'linux') {
      expect(statSync(join(root, 'big')).size).toBeGreaterThan(64 * 1024);
    }

    const result = await scanTree({
      root,
      recursive: true,
      filter,
      links: { root, realRoot: root, followLinks: false, own: undefined },
      onWarning: (warning) => expect.fail(warning.message),
    });

    expect(result.missing).toBe(false);
    expect(result.subfolders).toBe(1);
    expect(result.files.map((file) => file.path).sort()).toEqual([...big, 'small.txt'].sort());
    expect(result.files.find((file) => file.path === 'small.txt')?.size).toBe(5);
  });

  it('says a missing starting folder is missing', async () => {
    const root = await tempDir();
    const result = await scanTree({
      root,
      from: 'gone',
      recursive: true,
      filter,
      links: { root, realRoot: root, followLinks: false, own: undefined },
      onWarning: (warning) => expect.fail(warning.message),
    });
    expect(result).toMatchObject({ missing: true, files: [] });
  });
});
