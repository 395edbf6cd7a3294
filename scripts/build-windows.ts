// Bundles the windows (src/windows/<page>/main.tsx) into dist/windows: one ESM script, one
// stylesheet and one HTML shell per page, with nothing loaded from elsewhere. The web server
// serves them in web mode; the desktop app loads them from its app:// protocol.
import { build } from 'esbuild';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { WINDOW_PAGES, type WindowPage } from '../src/ipc/common/window-pages.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WINDOWS_OUT_DIR = join(ROOT, 'dist', 'windows');

export interface BuiltPage {
  page: WindowPage;
  /** Gzipped size of the page's script, what its budget (80 KB) is about. */
  jsGzipBytes: number;
}

export async function buildWindows(outdir = WINDOWS_OUT_DIR): Promise<BuiltPage[]> {
  const pages = Object.keys(WINDOW_PAGES) as WindowPage[];
  await mkdir(outdir, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: pages.map((page) => ({ in: `src/windows/${page}/main.tsx`, out: page })),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // What Electron 45 and the browsers of the last two years run.
    target: ['chrome120', 'firefox121', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  for (const page of pages) await writeFile(join(outdir, `${page}.html`), shell(page));
  // The tab's icon in web mode (a browser asks for one, and shows a blank page without it).
  await copyFile(join(ROOT, 'assets/svg/app-icon.svg'), join(outdir, 'icon.svg'));
  return pages.map((page) => ({
    page,
    jsGzipBytes: gzipSync(readFileSync(join(outdir, `${page}.js`))).length,
  }));
}

/** The page's HTML: no inline script or style, so the CSP can stay `default-src 'self'`. */
function shell(page: WindowPage): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'" />
    <title>${WINDOW_PAGES[page]} · DriveUp</title>
    <link rel="icon" href="icon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="${page}.css" />
    <script type="module" src="${page}.js"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>DriveUp's windows need JavaScript.</noscript>
  </body>
</html>
`;
}

if (import.meta.main) {
  for (const built of await buildWindows()) {
    console.log(
      `dist/windows/${built.page}.js  ${(built.jsGzipBytes / 1024).toFixed(1)} KB gzipped`,
    );
  }
}
