/**
 * A worker thread that hosts a real Agent the way the desktop's agent process will: it serves
 * every port its parent hands over (`connectWorkerAgent`) through `runAgentProcess`, and stops
 * on `stopWorkerAgent` or the API's `agent.shutdown`, after which the thread ends.
 *
 * `workerData`: `{ env, socket, emitOnRequest }`: the agent's environment (DRIVEUP_HOME and the
 * rest); whether it also serves its Unix socket, so that a test can ask the same agent both ways;
 * and whether it emits a burst of events on its bus when its parent posts
 * `{ type: EMIT_EVENTS_MESSAGE, count }` (the API benchmark's event throughput).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Agent } from '../../src/core/agent.ts';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { runAgentProcess, workerThreadParent } from '../../src/ipc/server/agent-process.ts';
import { startSocketServer } from '../../src/ipc/server/socket-server.ts';

export interface AgentWorkerData {
  env: Record<string, string>;
  socket?: boolean;
  emitOnRequest?: boolean;
}

export const EMIT_EVENTS_MESSAGE = 'test.emit-events';

const { env, socket, emitOnRequest } = workerData as AgentWorkerData;

await runAgentProcess({
  parent: workerThreadParent(parentPort!),
  async open(requestShutdown) {
    const paths = resolvePaths({ env });
    const agent = await Agent.open({ paths, env, openBrowser: async () => {} });
    const router = createAppRouter(agent, { requestShutdown });
    const server = socket
      ? await startSocketServer({ router, socketPath: paths.socketPath })
      : null;
    await agent.start();
    const emit = (message: { type?: unknown; count?: unknown }) => {
      if (message?.type !== EMIT_EVENTS_MESSAGE || typeof message.count !== 'number') return;
      for (let i = 0; i < message.count; i++) agent.bus.emit('queue.resumed', {});
    };
    if (emitOnRequest) parentPort!.on('message', emit);
    return {
      router,
      async stop() {
        parentPort!.off('message', emit);
        await server?.close();
        await agent.stop();
      },
    };
  },
});
