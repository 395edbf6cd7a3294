// `npm run icons`: renders assets/svg/*.svg into every icon file the app and its packages use.
// The output is committed; test/assets/icons.test.ts renders again and compares the bytes.
import { Resvg } from '@resvg/resvg-js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRAY_ICON_STATES, type TrayIconState } from '../src/tray/tray-icon-files.ts';
import { icoFile } from './ico-file.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = join(ROOT, 'assets', 'svg');

/** Colour of the non-template tray icons: mid tones, readable on light and dark panels. */
const STATE_COLOURS: Record<TrayIconState, string> = {
  idle: '#3b7ddd',
  uploading: '#1a6ae0',
  paused: '#7b838c',
  attention: '#e0700a',
  'signed-out': '#7b838c',
};
/** Sizes Windows asks of a tray icon at 100, 125, 150, 200, 250 and 300 % scaling. */
const WINDOWS_TRAY_SIZES = [16, 20, 24, 32, 40, 48];
const APP_ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];

function render(svg: string, size: number, colour?: string): Buffer {
  const source = colour ? svg.replace('color="black"', `color="${colour}"`) : svg;
  const resvg = new Resvg(source, {
    fitTo: { mode: 'width', value: size },
    // No text in the icons: leaving system fonts out keeps the output the same on every machine.
    font: { loadSystemFonts: false },
  });
  return Buffer.from(resvg.render().asPng());
}

/** Every icon file by its path under assets/, rendered in memory. */
export async function renderIcons(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const state of TRAY_ICON_STATES) {
    const svg = await readFile(join(SOURCES, `tray-${state}.svg`), 'utf8');
    const colour = STATE_COLOURS[state];
    for (const size of [16, 32]) {
      files.set(`tray/${state}-${size}.png`, render(svg, size, colour));
      files.set(`tray/${state}-${size}@2x.png`, render(svg, size * 2, colour));
    }
    files.set(`tray/${state}Template.png`, render(svg, 16));
    files.set(`tray/${state}Template@2x.png`, render(svg, 32));
    for (const size of [22, 24, 48])
      files.set(`tray/${state}-${size}.png`, render(svg, size, colour));
    const ico = WINDOWS_TRAY_SIZES.map((size) => ({ size, png: render(svg, size, colour) }));
    files.set(`tray/${state}.ico`, icoFile(ico));
  }
  const app = await readFile(join(SOURCES, 'app-icon.svg'), 'utf8');
  for (const size of [256, 512]) files.set(`app/icon-${size}.png`, render(app, size));
  files.set(
    'app/icon.ico',
    icoFile(APP_ICO_SIZES.map((size) => ({ size, png: render(app, size) }))),
  );
  return files;
}

export async function writeIcons(assetsDir = join(ROOT, 'assets')): Promise<string[]> {
  const files = await renderIcons();
  for (const [path, bytes] of files) {
    await mkdir(dirname(join(assetsDir, path)), { recursive: true });
    await writeFile(join(assetsDir, path), bytes);
  }
  return [...files.keys()];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = await writeIcons();
  console.log(`wrote ${written.length} icon files under assets/`);
}
