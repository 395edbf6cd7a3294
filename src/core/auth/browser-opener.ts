import { spawn } from 'node:child_process';
import { childProcessEnv } from './child-process-env.ts';

/**
 * Shows `url` to the user in their system browser (Google forbids embedded browser windows for
 * sign-in). Resolves once a browser took the address; rejects when none could, and the caller
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

/**
 * How long to wait for the opener's answer. xdg-open, `open` and `start` hand the address over and
 * exit at once, 0 when a browser took it; xdg-open exits 3 on a machine with no browser (a server
 * reached over SSH). One still running after this is showing the page itself: it is left to it.
 */
const OPENER_ANSWER_MS = 3000;

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
    const timer = setTimeout(() => {
      child.unref();
      resolve();
    }, OPENER_ANSWER_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // "Opened" only once the opener says a browser took the address: never on a headless machine.
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const how = signal ? `was stopped by ${signal}` : `exited with ${code}`;
      reject(new Error(`${command} found no browser to show it (${how})`));
    });
  });
}

function openCommand(platform: NodeJS.Platform, url: string): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  // `start` is a cmd built-in; its first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  return ['xdg-open', [url]];
}
