import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../e2e/electron/electron-binary.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

/** The Electron e2e runs where a binary exists and says why it is skipped where none does. */
describe('findElectronBinary', () => {
  it('finds the executable in ELECTRON_OVERRIDE_DIST_PATH', async () => {
    const dist = await tempDir();
    await writeFile(join(dist, 'electron'), '');
    expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dist }, 'linux')).toEqual({
      path: join(dist, 'electron'),
    });
  });

  it('says why there is none', async () => {
    const empty = await tempDir();
    expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: empty }, 'linux')).toEqual({
      missing: `no Electron executable at ${join(empty, 'electron')} (ELECTRON_OVERRIDE_DIST_PATH)`,
    });
    // Without the override: the downloaded binary if there is one (not on the build machines).
    const installed = findElectronBinary({}, process.platform);
    if ('path' in installed) expect(existsSync(installed.path)).toBe(true);
    else expect(installed.missing).toMatch(/not downloaded/);
  });
});
