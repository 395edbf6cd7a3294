import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWindows } from '../../scripts/build-windows.ts';
import { WINDOW_PAGES } from '../../src/ipc/common/window-pages.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

/** What the CSP (`default-src 'self'`) and "no external resources" demand of the built pages. */
describe('the windows build', () => {
  it('makes one small script, one stylesheet and one CSP-clean shell per window, and the tab icon', async () => {
    const outdir = await tempDir();
    const built = await buildWindows(outdir);
    const pages = Object.keys(WINDOW_PAGES);
    expect(built.map((b) => b.page)).toEqual(pages);
    expect((await readdir(outdir)).sort()).toEqual(
      [...pages.flatMap((p) => [`${p}.css`, `${p}.html`, `${p}.js`]), 'icon.svg'].sort(),
    );
    for (const { page, jsGzipBytes } of built) {
      expect(jsGzipBytes, `${page}.js gzipped`).toBeLessThanOrEqual(80 * 1024);
      const html = await readFile(join(outdir, `${page}.html`), 'utf8');
      // Every script has a src of its own folder; no inline script, style or event handler.
      expect(html.match(/<script\b[^>]*>/g)).toEqual([`<script type="module" src="${page}.js">`]);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).toContain('<link rel="icon" href="icon.svg" type="image/svg+xml" />');
      const css = await readFile(join(outdir, `${page}.css`), 'utf8');
      expect(css).not.toMatch(/@import|@font-face|url\(/);
      const js = await readFile(join(outdir, `${page}.js`), 'utf8');
      // No code built from strings at run time: the CSP forbids eval.
      expect(js).not.toMatch(/\beval\(|new Function\(/);
    }
  }, 60_000);
});
