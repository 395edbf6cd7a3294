import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWindowPage, WINDOW_PAGES, type WindowPage } from '../common/window-pages.ts';

/**
 * Where `npm run build` put the pages: `dist/windows` beside the sources, or `windows` beside the
 * bundled `dist/cli` and `dist/chunks`.
 */
export function defaultPagesDir(): string {
  const candidates = ['../../../dist/windows', '../windows'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  return candidates.find((dir) => existsSync(join(dir, 'history.html'))) ?? candidates[0]!;
}

const ASSET = /^\/([a-z0-9-]+\.(js|css|svg))$/;
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** The page a path names (`/history`), if any. */
export function pageOf(pathname: string): WindowPage | undefined {
  const name = pathname.slice(1);
  return isWindowPage(name) ? name : undefined;
}

/**
 * Serves the built pages and their scripts and styles. Names are matched against a pattern and
 * looked up in one folder, so no path from outside ever reaches the file system as a path.
 */
export async function servePageFile(
  pagesDir: string,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const page = pageOf(pathname);
  const file = page ? `${page}.html` : ASSET.exec(pathname)?.[1];
  if (!file) return false;
  const path = join(pagesDir, file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    if (!page) return false;
    sendPlainPage(res, 503, 'DriveUp', [
      'The pages are not built. Run npm run build in the DriveUp folder, then reload.',
    ]);
    return true;
  }
  const type = TYPES[file.split('.').pop()!]!;
  if (page) {
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : await readFile(path));
    return true;
  }
  // Scripts and styles change only with a build: the browser keeps them and asks whether they did.
  const etag = `W/"${info.size.toString(36)}-${info.mtimeMs.toString(36)}"`;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ETag: etag, 'Cache-Control': 'no-cache' });
    res.end();
    return true;
  }
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache', ETag: etag });
  res.end(req.method === 'HEAD' ? undefined : await readFile(path));
  return true;
}

/**
 * A page of plain text for answers a person sees in the browser (sign-in needed, link used). No
 * style and no script: the CSP forbids inline ones, and it needs neither.
 */
export function sendPlainPage(
  res: ServerResponse,
  status: number,
  title: string,
  paragraphs: string[],
): void {
  const body = paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n');
  res.writeHead(status, { 'Content-Type': TYPES.html, 'Cache-Control': 'no-store' });
  res.end(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
      `<meta name="color-scheme" content="light dark"><title>${escapeHtml(title)}</title></head>` +
      `<body><main><h1>${escapeHtml(title)}</h1>\n${body}</main></body></html>\n`,
  );
}

/** What a browser without a session sees: how to get one. */
export function sendSignInNeeded(
  res: ServerResponse,
  page: WindowPage | undefined,
  why: string,
): void {
  const command = `driveup open${page && page !== 'history' ? ` ${page}` : ''}`;
  sendPlainPage(res, 401, `DriveUp${page ? `: ${WINDOW_PAGES[page]}` : ''}`, [
    why,
    `On the machine DriveUp runs on, run ${command} to open this page (or ${command} --print to get its address).`,
  ]);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
