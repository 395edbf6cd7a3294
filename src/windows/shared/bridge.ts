import type { TRPCLink } from '@trpc/client';
import type { AppRouter } from '../../ipc/server/app-router.ts';
import {
  connectOverDesktopBridge,
  findDesktopBridge,
  type DesktopBridge,
} from '../../ipc/common/desktop-bridge.ts';
import { portLink } from '../../ipc/common/port-link.ts';
import { transformer } from '../../ipc/common/transformer.ts';

/**
 * The desktop app's `window.driveup` (src/ipc/common/desktop-bridge.ts), when the page runs there:
 * its port to the agent, real paths of dropped files, the system's pickers. Undefined in a browser.
 */
export const desktop: DesktopBridge | undefined = findDesktopBridge();

/** The API over the bridge's port: the port link, reconnecting on a fresh port when one closes. */
export function bridgeLink(bridge: DesktopBridge): TRPCLink<AppRouter> {
  return portLink<AppRouter>({ connect: connectOverDesktopBridge(bridge), transformer });
}
