import { portLink } from '../ipc/common/port-link.ts';
import { transformer } from '../ipc/common/transformer.ts';
import { AgentGoneError } from '../ipc/common/agent-gone-error.ts';
import { probeSocket } from '../ipc/node/agent-probe.ts';
import { fromMessagePortMain } from '../ipc/node/electron-message-port.ts';
import { bridgePortToSocket } from '../ipc/node/socket-bridge.ts';
import { createSocketClient } from '../ipc/node/socket-client.ts';
import type { AppRouter } from '../ipc/server/app-router.ts';
import { createTRPCClient } from '@trpc/client';
import type { AgentConnector } from './agent-api.ts';
import { trayApiOverTrpc, type TrayProcedures } from './trpc-agent-api.ts';

/**
 * How the desktop app reaches agents: its own agent process over the port main made for itself,
 * a headless agent over its socket, and a window's port bridged to that socket.
 */
export function createAgentConnector(): AgentConnector {
  return {
    probe: async (socketPath) => (await probeSocket(socketPath)).kind === 'agent',
    apiOverSocket: (socketPath) => {
      // The compiler checks all of TrayProcedures against the router here.
      const client: TrayProcedures = createSocketClient<AppRouter>(socketPath, {
        waitForAgent: true,
      });
      return trayApiOverTrpc(client);
    },
    apiOverPort: (port) => {
      const agentPort = fromMessagePortMain(port);
      let handedOut = false;
      const client: TrayProcedures = createTRPCClient<AppRouter>({
        links: [
          portLink<AppRouter>({
            // One port per agent process: once it closes, the supervisor starts another process
            // and main makes a new client of it; this one only fails what is still asked of it.
            connect: () => {
              if (handedOut) throw new AgentGoneError();
              handedOut = true;
              return agentPort;
            },
            transformer,
          }),
        ],
      });
      return trayApiOverTrpc(client, () => agentPort.close());
    },
    bridgeToSocket: (port, socketPath) =>
      void bridgePortToSocket(fromMessagePortMain(port), socketPath),
  };
}
