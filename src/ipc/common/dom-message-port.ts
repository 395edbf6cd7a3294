import { trpcPort, type TrpcPort } from './trpc-port.ts';

/**
 * The part of the DOM's `MessagePort` the adapter uses; Node's `MessagePort`, an `EventTarget`
 * as well, fits too, which is how the tests exercise this adapter.
 */
export interface DomMessagePortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'close', listener: (event: Event) => void): void;
  start(): void;
  close(): void;
}

/**
 * A DOM `MessagePort` (a window's end of the channel main brokers) as a {@link TrpcPort}.
 *
 * Its `close` event (Chromium 123+, so every Electron this app supports) tells a window that the
 * agent's end went away; where a browser lacks it, only this side's own `close()` is noticed.
 */
export function fromDomMessagePort(port: DomMessagePortLike): TrpcPort {
  return trpcPort({
    post: (message) => port.postMessage(message),
    listen(deliver) {
      port.addEventListener('message', (event) => deliver((event as MessageEvent).data));
      port.start();
    },
    watchClose: (closed) => port.addEventListener('close', closed),
    close: () => port.close(),
  });
}
