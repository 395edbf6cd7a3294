import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIcoFile } from '../../scripts/ico-file.ts';
import { renderIcons } from '../../scripts/icons.ts';
import {
  appIconFile,
  TRAY_ICON_STATES,
  trayIconFile,
  type IconPlatform,
} from '../../src/tray/tray-icon-files.ts';

const ASSETS = join(import.meta.dirname, '..', '..', 'assets');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(ASSETS, join(e.parentPath, e.name)));
}

/** Every platform variant main can be on, so every file it can ask for is checked. */
const PLACES: IconPlatform[] = [
  { platform: 'darwin', scaleFactor: 2, desktop: undefined },
  { platform: 'win32', scaleFactor: 1.5, desktop: undefined },
  { platform: 'linux', scaleFactor: 1, desktop: 'ubuntu:GNOME' },
  { platform: 'linux', scaleFactor: 1, desktop: 'KDE' },
  { platform: 'linux', scaleFactor: 2, desktop: 'KDE' },
];

describe('icons', () => {
  it('has every file main refers to, on every platform, in every state', () => {
    const referenced = new Set<string>();
    for (const place of PLACES) {
      referenced.add(appIconFile(place.platform));
      for (const state of TRAY_ICON_STATES) referenced.add(trayIconFile(state, place));
    }
    // macOS loads the @2x file beside a template by itself: it must be there too.
    for (const file of [...referenced].filter((f) => f.endsWith('Template.png')))
      referenced.add(file.replace('.png', '@2x.png'));
    const missing = [...referenced].filter((file) => !existsSync(join(ASSETS, file)));
    expect(missing).toEqual([]);
    expect(referenced.size).toBeGreaterThanOrEqual(TRAY_ICON_STATES.length * 5);
  });

  it('are what `npm run icons` makes from the SVG sources, byte for byte', async () => {
    const rendered = await renderIcons();
    const committed = [
      ...(await filesUnder(join(ASSETS, 'tray'))),
      ...(await filesUnder(join(ASSETS, 'app'))),
    ].sort();
    expect(committed).toEqual([...rendered.keys()].sort());
    for (const [path, bytes] of rendered) {
      expect((await readFile(join(ASSETS, path))).equals(bytes), path).toBe(true);
    }
  });

  it('come at the sizes their names promise', async () => {
    const rendered = await renderIcons();
    for (const [path, bytes] of rendered) {
      if (!path.endsWith('.png')) continue;
      const named = /-(\d+)(@2x)?\.png$/.exec(path);
      const template = /Template(@2x)?\.png$/.exec(path);
      const expected = named ? Number(named[1]) * (named[2] ? 2 : 1) : template?.[1] ? 32 : 16;
      expect(pngSize(bytes), path).toEqual({ width: expected, height: expected });
    }
    const trayIco = readIcoFile(rendered.get('tray/idle.ico')!);
    expect(trayIco.map((image) => image.size)).toEqual([16, 20, 24, 32, 40, 48]);
    for (const image of trayIco)
      expect(pngSize(image.png)).toEqual({ width: image.size, height: image.size });
    expect(readIcoFile(rendered.get('app/icon.ico')!).at(-1)?.size).toBe(256);
  });

  it('differ between states in shape, not only in colour: the templates are all different', async () => {
    const rendered = await renderIcons();
    const templates = TRAY_ICON_STATES.map((state) => rendered.get(`tray/${state}Template.png`)!);
    expect(new Set(templates.map((png) => png.toString('base64'))).size).toBe(
      TRAY_ICON_STATES.length,
    );
  });
});
