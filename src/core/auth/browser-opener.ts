import { spawn } from 'node:child_process';
import { childProcessEnv } from './child-process-env.ts';

/**
 * Shows `url` to the user in their system browser (Google forbids embedded browser windows for
 * sign-in). Resolves once the browser was launched; rejects when it could not be, and the caller
 * tells the user to open the URL themselves.
 */
export type BrowserOpener = (url: string) => Promise<void>;

/**
 * The platform's "open this URL" command, detached so closing DriveUp does not close the browser,
 * started with `env` (found through its PATH) minus every secret (see child-process-env.ts).
 */
export function systemBrowserOpener(
  env: () => NodeJS.ProcessEnv = () => process.env,
): BrowserOpener {
  return (url) => launch(url, childProcessEnv(env()));
}

export const openInSystemBrowser: BrowserOpener = systemBrowserOpener();

function launch(url: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [command, args] = openCommand(process.platform, url);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      detached: true,
      stdio: 'ignore',
      env,
      windowsHide: true,
      // cmd parses its own command line: Node's quoting would turn the empty title into junk.
      windowsVerbatimArguments: process.platform === 'win32',
    });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

function openCommand(platform: NodeJS.Platform, url: string): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  // `start` is a cmd built-in; its first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  return ['xdg-open', [url]];
}
