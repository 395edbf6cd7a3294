import type * as Electron from 'electron';

/** The windows' pages are served from `app://driveup/<page>`, never from `file://`. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'driveup';

/**
 * Standard (so relative URLs and the origin work like https) and secure (a secure context), and
 * nothing more: no fetch, CORS, service workers or streaming from other origins.
 */
export const APP_SCHEME_PRIVILEGES: Electron.CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true },
};

/** The address of a window's page, with its query (e.g. Review's batch id). */
export function pageUrl(page: string, query: Record<string, string> = {}): string {
  const url = new URL(`${APP_SCHEME}://${APP_HOST}/${encodeURIComponent(page)}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.href;
}

/** Whether a URL is one of our pages: parsed, never compared as a string prefix. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}
