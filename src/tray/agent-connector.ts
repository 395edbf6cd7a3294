import { probeSocket } from '../ipc/node/agent-probe.ts';
import type { AppRouter } from '../ipc/server/app-router.ts';
import { createSocketClient } from '../ipc/node/socket-client.ts';
import type { AgentConnector } from './agent-api.ts';
import { trayApiOverTrpc, type TrayProcedures } from './trpc-agent-api.ts';

/**
 * Thrown by the seams the port transport (issue 15) fills in: until it is connected, the app
 * runs only with a headless agent (`driveup agent`).
 */
export class PortTransportMissingError extends Error {
  constructor(what: string) {
    super(
      `${what} needs the tRPC message-port transport (issue 15), not connected in src/tray/agent-connector.ts yet`,
    );
    this.name = 'PortTransportMissingError';
  }
}

/**
 * How the desktop app reaches agents. The socket side uses what src/ipc has today; the port side
 * is where the lead connects the port link and server (issue 15).
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
    apiOverPort: () => {
      throw new PortTransportMissingError('Talking to the agent process');
    },
    bridgeToSocket: (port) => {
      port.close();
      throw new PortTransportMissingError('Serving a window from a headless agent');
    },
  };
}
