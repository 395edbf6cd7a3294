/**
 * The one port shape tRPC runs over between a face and the agent: a window's or the tray's
 * `MessagePort`, a preload bridge, a worker thread's port. Each kind has an adapter that turns it
 * into this; the client link (`port-link.ts`) and the server handler (`server/port-server.ts`)
 * know only this.
 *
 * What travels is a plain, structured-clone-safe object (tRPC's JSON-RPC messages, payloads
 * already serialized with superjson), so dates and the rest survive every port kind the same way,
 * including a preload bridge whose copies are JSON-like.
 */
export interface TrpcPort {
  postMessage(message: unknown): void;
  /** Each message that arrives, once {@link start} has been called. */
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the port closes, from either side, or when the other side's process ends. */
  onClose(listener: () => void): void;
  /** Starts delivering messages; those that arrived earlier wait in the port until then. */
  start(): void;
  /** Closes the port: this side's close listeners run at once, the other side's when it notices. */
  close(): void;
}

/** What an adapter supplies: the few raw operations of its port kind. */
export interface RawPort {
  post(message: unknown): void;
  /** Attaches the one message listener and starts delivery; called once, by `start()`. */
  listen(deliver: (message: unknown) => void): void;
  /** Attaches the one close listener; called once, when the adapter is made. */
  watchClose(closed: () => void): void;
  close(): void;
}

/**
 * A {@link TrpcPort} over a port kind's raw operations. Port kinds disagree on whether the side
 * that calls `close()` hears its own close (Node's ports do, the DOM's do not) and on whether
 * posting to a closed port throws; this makes both the same everywhere: close is reported once,
 * on both sides, and messages posted after it are dropped.
 */
export function trpcPort(raw: RawPort): TrpcPort {
  const messageListeners: Array<(message: unknown) => void> = [];
  const closeListeners: Array<() => void> = [];
  let started = false;
  let closed = false;
  const markClosed = () => {
    if (closed) return;
    closed = true;
    for (const listener of closeListeners.splice(0)) listener();
    messageListeners.length = 0;
  };
  raw.watchClose(markClosed);
  return {
    postMessage(message) {
      if (!closed) raw.post(message);
    },
    onMessage(listener) {
      messageListeners.push(listener);
    },
    onClose(listener) {
      if (closed) listener();
      else closeListeners.push(listener);
    },
    start() {
      if (started || closed) return;
      started = true;
      raw.listen((message) => {
        for (const listener of messageListeners) listener(message);
      });
    },
    close() {
      if (closed) return;
      raw.close();
      markClosed();
    },
  };
}
