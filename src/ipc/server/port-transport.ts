import type { AnyTRPCRouter } from '@trpc/server';
import type { TrpcPort } from '../common/trpc-port.ts';
import { serveOverPort, type PortServerOptions, type ServedPort } from './port-server.ts';

/**
 * The message-port transport of an agent host: every port handed to it (a window's, the tray's, a
 * test's) is served with the same router. A host starts it with its router and closes it on the
 * way down, as it does its socket.
 */
export interface PortTransport {
  /** Serves the router on every port handed over, those held until now first. */
  start(router: AnyTRPCRouter): Promise<void>;
  /** Hands over a port: served at once once started, held until then, closed once closed. */
  serve(port: TrpcPort): void;
  /** Closes every port (their open calls are aborted) and refuses new ones. */
  close(): Promise<void>;
}

export function createPortTransport(options: PortServerOptions<AnyTRPCRouter> = {}): PortTransport {
  let router: AnyTRPCRouter | undefined;
  let closing = false;
  const held: TrpcPort[] = [];
  const served = new Set<ServedPort>();
  const serveNow = (port: TrpcPort, to: AnyTRPCRouter) => {
    const handle = serveOverPort(to, port, options);
    served.add(handle);
    void handle.closed.then(() => served.delete(handle));
  };
  return {
    async start(to) {
      router = to;
      for (const port of held.splice(0)) serveNow(port, to);
    },
    serve(port) {
      if (closing) port.close();
      else if (router) serveNow(port, router);
      else held.push(port);
    },
    async close() {
      closing = true;
      for (const port of held.splice(0)) port.close();
      const handles = [...served];
      for (const handle of handles) handle.close();
      await Promise.all(handles.map((handle) => handle.closed));
    },
  };
}
