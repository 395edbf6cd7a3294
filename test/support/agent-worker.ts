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
import { resolvePaths } from '../../src/core/config/paths.ts';
import { runAgentProcess, workerThreadParent } from '../../src/ipc/server/agent-process.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';

export interface AgentWorkerData {
  env: Record<string, string>;
  socket?: boolean;
  emitOnRequest?: boolean;
}

export const EMIT_EVENTS_MESSAGE = 'test.emit-events';

const { env, socket, emitOnRequest } = workerData as AgentWorkerData;
const paths = resolvePaths({ env });
let emit: ((message: { type?: unknown; count?: unknown }) => void) | undefined;

const running = await runAgentProcess({
  parent: workerThreadParent(parentPort!),
  agent: { paths, env, openBrowser: async () => {} },
  transports: socket ? [socketTransport(paths.socketPath)] : [],
  started(agent) {
    if (!emitOnRequest) return;
    emit = (message) => {
      if (message?.type !== EMIT_EVENTS_MESSAGE || typeof message.count !== 'number') return;
      for (let i = 0; i < message.count; i++) agent.bus.emit('queue.resumed', {});
    };
    parentPort!.on('message', emit);
  },
});
// Nothing may hold the thread once the agent has stopped.
await running.stopped;
if (emit) parentPort!.off('message', emit);
