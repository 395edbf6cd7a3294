import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import mime from 'mime-types';
import { APP_HOST, APP_SCHEME } from './app-protocol.ts';

/**
 * The pages' Content Security Policy: scripts, styles, images and fonts from the app only, no
 * inline script, no connections (pages reach the agent through the preload's port), no frames,
 * forms, plugins or `<base>`.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Answers `app://driveup/…` from the built pages in `root` (dist/windows): `/<page>` is
 * `<page>.html`, anything else is the file at that path. Every path is hostile until proven
 * otherwise: no `..`, no hidden files, nothing outside `root` even through a symlink.
 */
export function createPageHandler(
  root: string,
  pages: readonly string[],
): (request: Request) => Promise<Response> {
  return async (request) => {
    const file = await fileFor(root, pages, request.url);
    if (!file) return notFound();
    const body = await readFile(file);
    const type = mime.contentType(extname(file)) || 'application/octet-stream';
    return new Response(body, {
      status: 200,
      headers: { 'content-type': type, ...SECURITY_HEADERS },
    });
  };
}

async function fileFor(
  root: string,
  pages: readonly string[],
  address: string,
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined;
  const segments = url.pathname.split('/').filter(Boolean).map(safeDecode);
  if (segments.some((s) => s === undefined || !/^[\w][\w.-]*$/.test(s) || s.includes('..')))
    return undefined;
  const names = segments as string[];
  const [first] = names;
  const path =
    names.length === 1 && first && pages.includes(first)
      ? join(root, `${first}.html`)
      : join(root, ...names);
  try {
    const [real, realRoot] = await Promise.all([realpath(path), realpath(root)]);
    const inside = relative(realRoot, real);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..') return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function notFound(): Response {
  return new Response('Not found', {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS },
  });
}
