import { trpcPort, type TrpcPort } from '../common/trpc-port.ts';

/**
 * The part of Electron's `MessagePortMain` (main and utility processes) the adapter uses, typed
 * here because src/ipc never imports Electron; `test/ipc/electron-port-types.test.ts` checks
 * that Electron's own type fits.
 */
export interface MessagePortMainLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (messageEvent: { data: unknown }) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

/**
 * An Electron `MessagePortMain` as a {@link TrpcPort}: the agent process's end of a window's or
 * the tray's channel. Unlike Node's ports it does not start on its own when listened to.
 */
export function fromMessagePortMain(port: MessagePortMainLike): TrpcPort {
  return trpcPort({
    post: (message) => port.postMessage(message),
    listen(deliver) {
      port.on('message', (event) => deliver(event.data));
      port.start();
    },
    watchClose: (closed) => port.once('close', closed),
    close: () => port.close(),
  });
}
