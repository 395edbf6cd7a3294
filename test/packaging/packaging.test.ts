import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { afterEach, describe, expect, it } from 'vitest';
import config from '../../packaging/electron-builder.config.ts';
import { flipReleaseFuses, packedElectronBinary } from '../../packaging/release-fuses.ts';
import { appFiles } from '../../src/tray/app-files.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * An "Electron binary" with the fuse wire Electron 45 has (sentinel, version 1, nine fuses, all
 * at Electron's defaults), padded with other bytes: enough for @electron/fuses to flip it.
 */
function fakeElectronBinary(): Buffer {
  const defaults = [1, 0, 1, 1, 0, 0, 0, 1, 1].map((on) =>
    on ? FuseState.ENABLE : FuseState.DISABLE,
  );
  return Buffer.concat([
    Buffer.alloc(4096, 0xcc),
    Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
    Buffer.from([1, defaults.length, ...defaults]),
    Buffer.alloc(4096, 0xcc),
  ]);
}

/** electron-builder's own check of a configuration (its JSON schema), without building. */
const { validateConfiguration } = createRequire(import.meta.url)(
  'app-builder-lib/out/util/config/config.js',
) as { validateConfiguration(config: unknown, log: { isEnabled: boolean }): Promise<void> };

describe('packaging', () => {
  it('has a configuration electron-builder accepts', async () => {
    await expect(validateConfiguration(config, { isEnabled: false })).resolves.toBeUndefined();
    await expect(
      validateConfiguration({ ...config, bogus: true }, { isEnabled: false }),
    ).rejects.toThrow(/bogus/);
  });

  it('flips the release fuses in the packed binary (afterPack)', async () => {
    const appOutDir = await mkdtemp(join(tmpdir(), 'du-pack-'));
    dirs.push(appOutDir);
    const context = {
      appOutDir,
      electronPlatformName: 'linux',
      packager: { executableName: 'driveup-desktop', appInfo: { productFilename: 'DriveUp' } },
    };
    await writeFile(packedElectronBinary(context), fakeElectronBinary());
    expect(config.afterPack).toBe(flipReleaseFuses);
    await flipReleaseFuses(context);
    const wire = await getCurrentFuseWire(join(appOutDir, 'driveup-desktop'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
  });

  it('finds the binary where each platform packs it', () => {
    const packager = { executableName: 'driveup-desktop', appInfo: { productFilename: 'DriveUp' } };
    const at = (electronPlatformName: string) =>
      packedElectronBinary({ appOutDir: '/out', electronPlatformName, packager });
    expect(at('darwin')).toBe('/out/DriveUp.app');
    expect(at('win32')).toBe('/out/DriveUp.exe');
    expect(at('linux')).toBe('/out/driveup-desktop');
  });

  it('builds every target, ships main’s files, and keeps the watcher’s addon out of the ASAR', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toBe('dmg');
    expect(config.win?.target).toBe('nsis');
    const shipped = picomatch((config.files as string[]).filter((f) => !f.startsWith('!')));
    const files = appFiles('');
    for (const file of [files.preload, files.agentEntry, join(files.pages, 'activity.html')])
      expect(shipped(file.replace(/^\//, '')), file).toBe(true);
    expect(shipped('dist/tray/main.js')).toBe(true);
    expect(shipped('assets/tray/idleTemplate.png')).toBe(true);
    const unpacked = picomatch(config.asarUnpack as string[]);
    expect(unpacked('node_modules/@parcel/watcher-linux-x64-glibc/watcher.node')).toBe(true);
    expect(unpacked('node_modules/@parcel/watcher/index.js')).toBe(true);
    expect(unpacked('node_modules/mongodb/lib/index.js')).toBe(false);
  });
});
