import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TRPCClient } from '@trpc/client';
import type { AppRouter } from '../../src/ipc/server/app-router.ts';
import { createSocketClient } from '../../src/ipc/node/socket-client.ts';
import { startFakeGoogle, type FakeGoogle } from '../../test/support/fake-google/index.ts';
import { fakeGoogleEnv } from '../../test/support/fake-google-env.ts';
import { followSignInUrl } from '../../test/support/follow-sign-in.ts';
import { BRIDGE_ORIGIN, startBridgeAgent } from './bridge-agent.ts';
import { attachFailureDiagnosis, watchPageTraffic } from './failure-diagnosis.ts';
import { startWebAgent, type WebAgent, type WebAgentOptions } from './web-agent.ts';

export type AgentApi = TRPCClient<AppRouter>;

/**
 * How pages reach the agent: `web`, a real `driveup agent` serving them on loopback HTTP;
 * `bridge`, the desktop app's preload bridge over a message port to a real agent in this process.
 */
export type Mode = 'web' | 'bridge';

export interface RunningAgent extends WebAgent {
  mode: Mode;
  /** The same agent over its socket, as the CLI reaches it: to set up and check what pages did. */
  api: AgentApi;
  /** What `driveup …` needs to reach this agent (DRIVEUP_HOME and the fake Google). */
  env: Record<string, string>;
  /** Where tests put files they drop or choose (the bridge maps dropped files there). */
  dropDir: string;
  /** Opens window `name` (`?query` included) in `page`, as this mode does. */
  open(page: Page, name: string, query?: string): Promise<void>;
  /** Bridge mode: what the next system file or folder picker answers. */
  answerPicker(paths: string[]): void;
  /** Bridge mode: closes the pages' ports to the agent, as when main loses the agent process. */
  dropPorts(): void;
}

interface Fixtures {
  mode: Mode;
  /** Puts the shared fake Google back as it was (no faults, no caps) after each test. */
  cleanFake: void;
  /** A fresh home; `startAgent` starts (and restarts) agents in it. */
  home: string;
  startAgent(options?: Partial<WebAgentOptions>): Promise<RunningAgent>;
  /** A signed-in agent of its own for this test. */
  agent: RunningAgent;
}

export const test = base.extend<Fixtures, { fakeGoogle: FakeGoogle }>({
  mode: ['web', { option: true }],
  fakeGoogle: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const fake = await startFakeGoogle();
      await use(fake);
      await fake.close();
    },
    { scope: 'worker' },
  ],
  cleanFake: [
    async ({ fakeGoogle }, use) => {
      await use();
      fakeGoogle.clearFaults();
      fakeGoogle.setBandwidth(null);
      fakeGoogle.setLatency(0);
      fakeGoogle.setConsent('grant');
    },
    { auto: true },
  ],
  // eslint-disable-next-line no-empty-pattern
  home: async ({}, use, testInfo) => {
    const home = await mkdtemp(join(tmpdir(), 'du-e2e-'));
    await use(home);
    // A failure comes with what the agent logged, to read beside the page's snapshot.
    if (testInfo.status !== testInfo.expectedStatus) await attachAgentLogs(home, testInfo);
    await rm(home, { recursive: true, force: true });
  },
  startAgent: async ({ fakeGoogle, home, mode }, use) => {
    const started: Array<{ stop(): Promise<void> }> = [];
    await use(async (options = {}) => {
      const agentHome = options.home ?? home;
      const env = { ...fakeGoogleEnv(fakeGoogle.url, agentHome), ...options.env };
      const dropDir = join(agentHome, 'drops');
      await mkdir(dropDir, { recursive: true });
      if (mode === 'bridge') {
        const bridge = await startBridgeAgent({
          fakeGoogleUrl: fakeGoogle.url,
          ...options,
          home: agentHome,
        });
        started.push(bridge);
        return {
          mode,
          origin: BRIDGE_ORIGIN,
          port: 0,
          home: agentHome,
          socketPath: bridge.socketPath,
          openUrl: () => Promise.reject(new Error('bridge mode has no sign-in links')),
          stop: () => bridge.stop(),
          api: createSocketClient<AppRouter>(bridge.socketPath),
          env,
          dropDir,
          open: (page, name, query) => bridge.open(page, name, query),
          answerPicker: (paths) => bridge.answerPicker(paths),
          dropPorts: () => bridge.dropPorts(),
        };
      }
      const web = await startWebAgent({
        fakeGoogleUrl: fakeGoogle.url,
        ...options,
        home: agentHome,
      });
      started.push(web);
      return {
        ...web,
        mode,
        api: createSocketClient<AppRouter>(web.socketPath),
        env,
        dropDir,
        open: async (page, name, query = '') => {
          await openWindow(page, web, name);
          if (query) await page.goto(`${web.origin}/${name}${query}`);
        },
        answerPicker: () => {
          throw new Error('web mode has no system pickers');
        },
        dropPorts: () => {
          throw new Error('web mode has no ports');
        },
      };
    });
    for (const agent of started) await agent.stop();
  },
  agent: async ({ startAgent, page }, use, testInfo) => {
    const traffic = watchPageTraffic(page);
    const agent = await startAgent();
    await signInThroughApi(agent.api);
    await use(agent);
    // A failure says which side stopped answering, beside the agent's logs and the page snapshot.
    if (testInfo.status !== testInfo.expectedStatus) {
      await attachFailureDiagnosis(testInfo, { ...agent, page, traffic });
    }
  },
});

export { expect };

/** What `driveup signin --no-browser` does: the consent followed as a browser would. */
export async function signInThroughApi(api: AgentApi): Promise<void> {
  const signedIn = nextEvent(api, (e) => e.type === 'auth.changed' && isSignedIn(e.data));
  await signedIn.started;
  const attempt = await api.auth.beginSignIn.mutate({ openBrowser: false });
  if (attempt.kind !== 'started') throw new Error(`no sign-in started: ${attempt.kind}`);
  await followSignInUrl(attempt.url);
  await signedIn.event;
}

function isSignedIn(data: unknown): boolean {
  return (data as { status: { state: string } }).status.state === 'signed-in';
}

interface AgentEvent {
  type: string;
  data: unknown;
}

/** The first agent event that matches, from the moment `started` resolves. */
export function nextEvent(
  api: AgentApi,
  accept: (event: AgentEvent) => boolean,
): { started: Promise<void>; event: Promise<AgentEvent> } {
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const event = new Promise<AgentEvent>((resolve, reject) => {
    const subscription = api.events.subscribe(
      {},
      {
        onStarted,
        onData: ({ data }) => {
          if (!accept(data)) return;
          subscription.unsubscribe();
          resolve(data);
        },
        onError: reject,
      },
    );
  });
  return { started, event };
}

/** Queues files as `driveup add --wait` does, and resolves once each is in the history. */
export async function uploadAndWait(api: AgentApi, paths: string[], folder: string): Promise<void> {
  const remaining = new Set(paths.map((path) => path.split('/').pop()!));
  const recorded = nextEvent(api, (e) => {
    if (e.type !== 'history.recorded') return false;
    remaining.delete((e.data as { name: string }).name);
    return remaining.size === 0;
  });
  await recorded.started;
  await api.queue.add.mutate({ paths, folder });
  await recorded.event;
}

/** Opens a page the way a person does: through a one-time address from `driveup open`. */
export async function openWindow(page: Page, agent: WebAgent, name: string): Promise<void> {
  await page.goto(await agent.openUrl(name));
  await expect(page).toHaveURL(`${agent.origin}/${name}`);
}

async function attachAgentLogs(home: string, testInfo: TestInfo): Promise<void> {
  const found = await readdir(home, { recursive: true }).catch(() => []);
  for (const file of found.filter((name) => /(^|\/)(current|driveup\.\d+)\.log$/.test(name))) {
    await testInfo.attach(file, { path: join(home, file), contentType: 'text/plain' });
  }
}
