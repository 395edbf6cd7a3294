import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { isAgentGoneError } from '../../src/ipc/common/agent-gone-error.ts';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { fromNodeMessagePort } from '../../src/ipc/server/node-message-port.ts';
import { serveOverPort } from '../../src/ipc/server/port-server.ts';
import type { TrayAgentEvent } from '../../src/tray/agent-api.ts';
import { createAgentConnector } from '../../src/tray/agent-connector.ts';
import { startAgentHarness, type AgentHarness } from '../support/agent-harness.ts';
import { wrapPort } from '../support/electron-standin/message-ports.ts';

let harness: AgentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/**
 * Main's client of its agent process: the port link over main's end of a channel (Electron's
 * MessagePortMain, here the stand-in's over a real worker_threads channel), the agent's router
 * served on the other end as the agent process serves it.
 */
async function overPort() {
  harness = await startAgentHarness();
  const { agent } = harness;
  const { port1, port2 } = new MessageChannel();
  const served = serveOverPort(
    createAppRouter(agent, { requestShutdown: () => {} }),
    fromNodeMessagePort(port2),
  );
  return { agent, served, api: createAgentConnector().apiOverPort(wrapPort(port1)) };
}

describe('main’s client over its own port', () => {
  it('answers the tray’s procedures and hears the agent’s events', async () => {
    const { agent, api } = await overPort();
    const events: TrayAgentEvent[] = [];
    const stop = api.subscribe((event) => events.push(event));

    expect((await api.summary()).run).toMatchObject({ filesDone: 0, filesTotal: 0 });
    await api.pause();

    expect(agent.queue.pauseKind).toBe('user');
    await new Promise<void>((resolve) => {
      const check = () =>
        events.some((e) => e.type === 'activity' && e.summary.pause !== null)
          ? resolve()
          : setImmediate(check);
      check();
    });
    stop();
    api.close();
  });

  it('fails what is asked once the agent process is gone, and its events end with a resync', async () => {
    const { api, served } = await overPort();
    const events: TrayAgentEvent[] = [];
    api.subscribe((event) => events.push(event));
    await api.summary();

    served.close();
    await served.closed;

    const error = await api.summary().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isAgentGoneError(error)).toBe(true);
    // Not retried on the dead port: main re-reads once the supervisor has a new agent.
    await new Promise<void>((resolve) => {
      const check = () =>
        events.some((e) => e.type === 'resync') ? resolve() : setImmediate(check);
      check();
    });
  });
});
