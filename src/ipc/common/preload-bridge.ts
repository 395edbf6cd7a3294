import { trpcPort, type TrpcPort } from './trpc-port.ts';

/**
 * What a window's preload exposes (through `contextBridge`) for one port to the agent. The
 * sandboxed page never holds the `MessagePort` itself: the preload keeps it and passes plain
 * messages across, which suits the transport, whose messages are plain objects already.
 *
 * The preload starts its port when `onMessage` is first called, so nothing sent earlier is lost.
 */
export interface PreloadPortBridge {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the port closes: the agent went away, or main took the port back. */
  onClose(listener: () => void): void;
  close?(): void;
}

/** A preload bridge as a {@link TrpcPort}, for the page's port link. */
export function fromPreloadBridge(bridge: PreloadPortBridge): TrpcPort {
  return trpcPort({
    post: (message) => bridge.send(message),
    listen: (deliver) => bridge.onMessage(deliver),
    watchClose: (closed) => bridge.onClose(closed),
    close: () => bridge.close?.(),
  });
}
