import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { BrowserContext, Page } from '@playwright/test';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';

type HostedAgent = Awaited<ReturnType<typeof serveAgent>>;
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { isWindowPage } from '../../src/ipc/common/window-pages.ts';
import { fromNodeMessagePort } from '../../src/ipc/server/node-message-port.ts';
import { createPortTransport, type PortTransport } from '../../src/ipc/server/port-transport.ts';
import { WINDOWS_OUT_DIR } from '../../scripts/build-windows.ts';
import { fakeGoogleEnv } from '../../test/support/fake-google-env.ts';

/**
 * The desktop app's way in, without Electron: a real agent hosted in this (the test worker's)
 * process with the message-port transport, as the agent process hosts it; pages loaded from the
 * built windows at their own origin; and `window.driveup` put in the page (`addInitScript`), with
 * the shape of the real preload's bridge (src/ipc/common/desktop-bridge.ts), its port being one
 * end of a Node MessageChannel whose other end the transport serves. Messages cross into the page
 * through `exposeBinding` and `page.evaluate`, as the preload's contextBridge copies them.
 *
 * What differs from the preload (for tests): `getPathForFile` answers `<dropDir>/<file name>`,
 * where Electron answers the file's real path, so tests put the files they drop there; the pickers
 * answer what the test queued with `answerPicker`.
 */
export interface BridgeAgent {
  home: string;
  socketPath: string;
  env: Record<string, string>;
  hosted: HostedAgent;
  /** Where files handed to a page are, for `getPathForFile`. */
  dropDir: string;
  /** Opens a window of this agent in `page`, over the bridge. */
  open(page: Page, name: string, query?: string): Promise<void>;
  /** What the next `pickFiles`/`pickFolder` of a page answers. */
  answerPicker(paths: string[]): void;
  /** Closes every page's port, as when main loses the agent process: pages must connect again. */
  dropPorts(): void;
  stop(): Promise<void>;
}

export const BRIDGE_ORIGIN = 'http://driveup.bridge';

export async function startBridgeAgent(options: {
  fakeGoogleUrl: string;
  home: string;
  env?: Record<string, string>;
}): Promise<BridgeAgent> {
  const env = { ...fakeGoogleEnv(options.fakeGoogleUrl, options.home), ...options.env };
  const paths = resolvePaths({ env });
  const hosted = await serveAgent({ paths, env, openBrowser: async () => {} }, [
    socketTransport(paths.socketPath),
  ]);
  const transport = createPortTransport();
  await transport.start(
    createAppRouter(hosted.agent, { requestShutdown: () => void hosted.stop() }),
  );
  const pickerAnswers: string[][] = [];
  const dropDir = join(options.home, 'drops');
  const bridges = new Set<PageBridge>();
  return {
    home: options.home,
    socketPath: paths.socketPath,
    env,
    hosted,
    dropDir,
    async open(page, name, query = '') {
      if (!isWindowPage(name)) throw new Error(`no window ${name}`);
      await servePages(page.context());
      const target = { transport, nextPick: () => pickerAnswers.shift() ?? [] };
      bridges.add(await wireBridge(page, target, dropDir));
      await page.goto(`${BRIDGE_ORIGIN}/${name}${query}`);
    },
    answerPicker: (answer) => void pickerAnswers.push(answer),
    dropPorts() {
      for (const bridge of bridges) bridge.close();
    },
    async stop() {
      for (const bridge of bridges) bridge.close();
      await transport.close();
      await hosted.stop();
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const served = new WeakSet<BrowserContext>();

/** The built windows at their own origin, as the desktop app's `app://driveup` serves them. */
async function servePages(context: BrowserContext): Promise<void> {
  if (served.has(context)) return;
  served.add(context);
  await context.route(`${BRIDGE_ORIGIN}/**`, async (route) => {
    const { pathname } = new URL(route.request().url());
    const name = pathname.slice(1);
    const file = isWindowPage(name) ? `${name}.html` : normalize(name);
    if (file.startsWith('..') || file.includes('/')) return route.fulfill({ status: 404 });
    try {
      const body = await readFile(join(WINDOWS_OUT_DIR, file));
      await route.fulfill({
        status: 200,
        body,
        headers: {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': "default-src 'self'",
        },
      });
    } catch {
      await route.fulfill({ status: 404 });
    }
  });
}

/** What a page's bridge reaches: the agent it was last opened for. */
interface BridgeTarget {
  transport: PortTransport;
  nextPick: () => string[];
}

interface PageBridge {
  target: BridgeTarget;
  close(): void;
}

type BridgeWindow = {
  __driveupDeliver(messages: unknown[]): void;
  __driveupClosed(): void;
};

const wired = new WeakMap<Page, PageBridge>();

/**
 * One page's bridge: each `connect()` gets a fresh channel to the agent, as main hands a window a
 * new port. Wired once per page (bindings outlive navigations); opening the page for another agent
 * points it there.
 */
async function wireBridge(page: Page, target: BridgeTarget, dropDir: string): Promise<PageBridge> {
  const known = wired.get(page);
  if (known) {
    known.target = target;
    return known;
  }
  let current: MessagePort | null = null;
  let delivering = Promise.resolve();
  // In order, one at a time; a page that went away gets nothing.
  const deliver = (into: () => Promise<unknown>) => {
    delivering = delivering.then(into).then(
      () => undefined,
      () => undefined,
    );
  };
  const bridge: PageBridge = { target, close: () => current?.close() };
  const connect = () => {
    current?.close();
    const { port1, port2 } = new MessageChannel();
    bridge.target.transport.serve(fromNodeMessagePort(port1));
    current = port2;
    let batch: unknown[] = [];
    port2.on('message', (message: unknown) => {
      // Messages of one turn cross into the page together, in order.
      if (batch.length === 0) {
        queueMicrotask(() => {
          const messages = batch;
          batch = [];
          deliver(() =>
            page.evaluate((m) => (window as unknown as BridgeWindow).__driveupDeliver(m), messages),
          );
        });
      }
      batch.push(message);
    });
    port2.once('close', () => {
      // A port replaced by a newer one closes unannounced, as in the preload.
      if (current !== port2) return;
      current = null;
      deliver(() => page.evaluate(() => (window as unknown as BridgeWindow).__driveupClosed()));
    });
  };
  await page.exposeBinding('__driveupBridge', (_source, op: string, message?: unknown) => {
    switch (op) {
      case 'connect':
        return connect();
      case 'send':
        return current?.postMessage(message);
      case 'pickFiles':
        return bridge.target.nextPick();
      case 'pickFolder':
        return bridge.target.nextPick()[0] ?? null;
      default:
        throw new Error(`no bridge operation ${op}`);
    }
  });
  await page.addInitScript(installBridge, { dropDir });
  wired.set(page, bridge);
  return bridge;
}

/** Runs in the page before its scripts: `window.driveup` as the preload exposes it. */
function installBridge({ dropDir }: { dropDir: string }): void {
  type Listener = { message: (m: unknown) => void; close?: () => void };
  const listeners = new Set<Listener>();
  const call = (window as unknown as { __driveupBridge(op: string, arg?: unknown): Promise<never> })
    .__driveupBridge;
  let connected = false;
  Object.assign(window, {
    __driveupDeliver(messages: unknown[]) {
      for (const message of messages) for (const l of [...listeners]) l.message(message);
    },
    __driveupClosed() {
      connected = false;
      for (const l of [...listeners]) l.close?.();
    },
    driveup: {
      platform: 'linux',
      async connect() {
        await call('connect');
        connected = true;
      },
      send(message: unknown) {
        if (!connected) throw new Error('Not connected to the DriveUp agent: call connect() first');
        void call('send', message);
      },
      receive(message: (m: unknown) => void, close?: () => void) {
        const listener = { message, close };
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      getPathForFile: (file: File) => `${dropDir}/${file.name}`,
      pickFiles: () => call('pickFiles'),
      pickFolder: () => call('pickFolder'),
    },
  });
}
