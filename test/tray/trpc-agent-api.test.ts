import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { createInProcessClient } from '../../src/ipc/server/in-process-client.ts';
import type { TrayAgentEvent } from '../../src/tray/agent-api.ts';
import { trayApiOverTrpc } from '../../src/tray/trpc-agent-api.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Main's procedures over a real agent's router: the compiler checks them, these tests use them. */
async function trayApi(settings?: Parameters<typeof startAgentHarness>[0]) {
  harness = await startAgentHarness(settings);
  const agent = harness.agent;
  const app = createAppRouter(agent, { requestShutdown: () => {} });
  return { agent, api: trayApiOverTrpc(createInProcessClient(app)) };
}

describe('the tray’s procedures over tRPC, against a real agent', () => {
  it('pauses and resumes uploads as a person’s pause', async () => {
    const { agent, api } = await trayApi();
    await api.pause();
    expect(agent.queue.pauseKind).toBe('user');
    await api.resume();
    expect(agent.queue.isPaused()).toBe(false);
  });

  it('queues dropped files to the default folder, and retries failed ones', async () => {
    const { agent, api } = await trayApi();
    const file = join(harness!.home, 'dropped.txt');
    await writeFile(file, 'dropped on the tray');
    harness!.fake.addFault({
      path: '/upload/drive/v3/files',
      status: 403,
      reason: 'storageQuotaExceeded',
    });
    const failed = harness!.next('job.failed', (d) => !d.willRetry);
    await api.add([file]);
    const { job } = await failed;
    expect([job.source, job.folderPath]).toEqual(['drop', agent.settings().uploads.defaultFolder]);
    const done = harness!.next('job.done', (d) => d.job.id === job.id);
    await api.retry([job.id]);
    await done;
  });

  it('reads the sign-in state and the start-at-login setting, and hears them change', async () => {
    const { agent, api } = await trayApi();
    expect(await api.authStatus()).toMatchObject({ state: 'signed-in' });
    expect(await api.desktopSettings()).toEqual({ startAtLogin: false });
    await agent.updateSettings({ desktop: { startAtLogin: true } });
    expect(await api.desktopSettings()).toEqual({ startAtLogin: true });
    const events: TrayAgentEvent[] = [];
    const signedOut = new Promise<void>((resolve) => {
      const stop = api.subscribe((event) => {
        events.push(event);
        if (event.type === 'auth' && event.status.state === 'signed-out') {
          stop();
          resolve();
        }
      });
    });
    await agent.auth.signOut();
    await signedOut;
    expect(events.at(-1)).toMatchObject({ type: 'auth', status: { state: 'signed-out' } });
  });

  it('hears what the tray draws: activity, a notification batch, a settings change', async () => {
    const { agent, api } = await trayApi({ settings: { notifications: { batchSeconds: 0 } } });
    const file = join(harness!.home, 'batched.txt');
    await writeFile(file, 'announced in one notification');
    const events: TrayAgentEvent[] = [];
    const heard = (type: TrayAgentEvent['type']) => events.some((event) => event.type === type);
    let everything!: () => void;
    const heardAll = new Promise<void>((resolve) => (everything = resolve));
    const stop = api.subscribe((event) => {
      events.push(event);
      if (heard('activity') && heard('batch') && heard('settings')) everything();
    });
    const { jobs } = await agent.add({ paths: [file], folder: 'Tray', source: 'drop' });
    await agent.updateSettings({ desktop: { startAtLogin: true } });
    await heardAll;
    stop();

    const batch = events.find((event) => event.type === 'batch');
    expect(batch).toMatchObject({
      batch: { jobs: [{ jobId: jobs[0]!.id, name: 'batched.txt', state: 'done' }] },
    });
    expect(events.find((event) => event.type === 'settings')).toEqual({
      type: 'settings',
      settings: { startAtLogin: true },
    });
    const summary = await api.summary();
    expect(summary.run).toMatchObject({ filesTotal: 0 });
    expect(summary.pause).toBeNull();
  });
});
