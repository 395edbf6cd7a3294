import type { TRPCLink } from '@trpc/client';
import type { AppRouter } from '../../ipc/server/app-router.ts';

/**
 * What the desktop app's preload exposes as `window.driveup` (issue 17): the window's own
 * message port to the agent, and what only the desktop can do. Nothing else crosses the bridge.
 */
export interface DriveupBridge {
  /** The window's port to the agent; the preload-bridge adapter of src/ipc/common/port-link. */
  port: PreloadPort;
  platform: string;
  /** The real path of a dropped file (`webUtils.getPathForFile`); nothing is copied then. */
  getPathForFile?(file: File): string;
}

/** The preload-bridge port shape of src/ipc/common/port-link (issue 15). */
export interface PreloadPort {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
  onClose(listener: () => void): () => void;
}

export function findBridge(): DriveupBridge | undefined {
  const bridge = (globalThis as { driveup?: DriveupBridge }).driveup;
  return bridge?.port ? bridge : undefined;
}

/**
 * The link over the preload bridge's port.
 * PLACEHOLDER until src/ipc/common/port-link is merged; then this body becomes one line:
 *   return portLink({ port: fromPreloadBridge(bridge.port), transformer });
 * Until then it offers none, and the client falls back to HTTP (see agent-client.ts).
 */
export function bridgeLink(bridge: DriveupBridge): TRPCLink<AppRouter> | undefined {
  void bridge;
  return undefined;
}
