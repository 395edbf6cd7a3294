/**
 * The windows DriveUp serves, by the name in their address (`/history`), with their titles, in
 * the order a browser's page links list them. The build bundles `src/windows/<name>/main.tsx` for
 * each; the web server, `driveup open [page]` and the desktop app's window manager accept only
 * these names.
 */
export const WINDOW_PAGES = {
  upload: 'Upload',
  activity: 'Activity',
  history: 'History',
  settings: 'Settings',
  signin: 'Sign in',
  review: 'Review',
} as const;

export type WindowPage = keyof typeof WINDOW_PAGES;

export function isWindowPage(name: string): name is WindowPage {
  return Object.hasOwn(WINDOW_PAGES, name);
}
