export {
  createCallerFactory,
  mergeRouters,
  middleware,
  publicProcedure,
  router,
  transformer,
} from './trpc.ts';
export type { InputIssue } from './input-issues.ts';
export { startSocketServer, type SocketServer, type SocketServerOptions } from './socket-server.ts';
export { createSocketClient, socketLinks, type SocketClientOptions } from './socket-client.ts';
export { createInProcessClient, type InProcessClientOptions } from './in-process-client.ts';
export { createSocketFetch, SOCKET_ORIGIN, type SocketFetch } from './socket-fetch.ts';
export {
  EventSourceErrorEvent,
  FetchEventSource,
  type FetchEventSourceInit,
} from './fetch-event-source.ts';
export { probeSocket, AGENT_PROBE_PATH, type SocketOccupant } from './agent-probe.ts';
export { assertSocketPathFits, isNamedPipe, maxSocketPathBytes } from './socket-path.ts';
export {
  AgentAlreadyRunningError,
  AgentNotRunningError,
  findAgentNotRunningError,
  isAgentNotRunningError,
  SocketPathTooLongError,
} from './socket-errors.ts';
