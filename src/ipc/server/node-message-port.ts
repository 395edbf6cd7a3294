import type { MessagePort } from 'node:worker_threads';
import { trpcPort, type TrpcPort } from '../common/trpc-port.ts';

/**
 * A `worker_threads` `MessagePort` as a {@link TrpcPort}: the agent in a worker thread, and the
 * tests' and benchmarks' clients. Node reports `close` on both ends, also when the other end's
 * thread exits.
 */
export function fromNodeMessagePort(port: MessagePort): TrpcPort {
  return trpcPort({
    post: (message) => port.postMessage(message),
    // A 'message' listener starts the port.
    listen: (deliver) => port.on('message', deliver),
    watchClose: (closed) => port.once('close', closed),
    close: () => port.close(),
  });
}
