import { fromPreloadBridge } from './preload-bridge.ts';
import type { TrpcPort } from './trpc-port.ts';

/**
 * What the desktop app's preload puts on `window.driveup` for the pages (src/windows). Types only:
 * pages check `'driveup' in window` and, when present, talk to the agent over this bridge instead
 * of HTTP. Everything that crosses it is structured-clonable.
 */
export interface DesktopBridge {
  readonly platform: 'darwin' | 'win32' | 'linux' | string;
  /**
   * Asks main for a fresh port to the agent (closing the one before). Resolves once the port is
   * open; messages then go out with `send` and come in to the `receive` listeners.
   */
  connect(): Promise<void>;
  /** Posts a message to the agent on the current port; throws when there is none. */
  send(message: unknown): void;
  /**
   * Listens for the agent's messages, and for the port closing (the agent stopped or restarted:
   * call `connect()` again). Returns the function that stops listening.
   */
  receive(onMessage: (message: unknown) => void, onClose?: () => void): () => void;
  /** The absolute path of a dropped or chosen file (Electron's `webUtils.getPathForFile`). */
  getPathForFile(file: File): string;
  /** The system's file picker (run by main); an empty list when cancelled. */
  pickFiles(): Promise<string[]>;
  /** The system's folder picker (run by main); null when cancelled. */
  pickFolder(): Promise<string | null>;
}

/** Whether the page runs inside the desktop app: the preload put the bridge there. */
export function findDesktopBridge(): DesktopBridge | undefined {
  const bridge = (globalThis as { driveup?: Partial<DesktopBridge> }).driveup;
  return typeof bridge?.connect === 'function' && typeof bridge.send === 'function'
    ? (bridge as DesktopBridge)
    : undefined;
}

/**
 * The port link's `connect` over the desktop bridge: each call asks main for a fresh port and
 * answers it as a {@link TrpcPort}. The bridge keeps one port at a time, so a newer port makes the
 * older one count as closed here, even though the preload dropped it without saying so.
 */
export function connectOverDesktopBridge(bridge: DesktopBridge): () => Promise<TrpcPort> {
  let generation = 0;
  let closeCurrent: (() => void) | undefined;
  return async () => {
    closeCurrent?.();
    await bridge.connect();
    const mine = ++generation;
    let deliver: (message: unknown) => void = () => {};
    let closed: () => void = () => {};
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stop();
      closed();
    };
    const stop = bridge.receive((message) => {
      if (mine === generation && !done) deliver(message);
    }, finish);
    closeCurrent = finish;
    return fromPreloadBridge({
      send: (message) => bridge.send(message),
      onMessage: (listener) => (deliver = listener),
      onClose: (listener) => (closed = listener),
      close: finish,
    });
  };
}
