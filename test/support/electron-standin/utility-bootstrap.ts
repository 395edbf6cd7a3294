// Runs in the child process that stands in for an Electron utility process: gives the module
// `process.parentPort` as Electron does (messages as `{ data, ports }`), then loads it.
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { wrapPort } from './message-ports.ts';
import type { ToChild, ToParent } from './utility-protocol.ts';

const [modulePath, ...args] = process.argv.slice(2);
if (!modulePath || !process.send) throw new Error('utility-bootstrap runs only as a forked child');
const send = (message: ToParent) => process.send?.(message);

class ParentPort extends EventEmitter {
  postMessage(message: unknown): void {
    send({ kind: 'message', data: message });
  }
}
const parentPort = new ParentPort();
/** The child's end of each proxied port, by the id the parent gave it. */
const proxies = new Map<number, MessagePort>();

process.on('message', (message: ToChild) => {
  if (message.kind === 'message') {
    const ports = message.ports.map((id) => {
      const { port1, port2 } = new MessageChannel();
      proxies.set(id, port2);
      port2.on('message', (data: unknown) => send({ kind: 'port-message', id, data }));
      port2.on('close', () => {
        if (proxies.delete(id)) send({ kind: 'port-close', id });
      });
      return wrapPort(port1);
    });
    parentPort.emit('message', { data: message.data, ports });
  } else if (message.kind === 'port-message') {
    proxies.get(message.id)?.postMessage(message.data);
  } else {
    const port = proxies.get(message.id);
    proxies.delete(message.id);
    port?.close();
  }
});
// A utility process does not outlive the app that forked it.
process.on('disconnect', () => process.exit(0));

Object.assign(process, { parentPort });
process.argv = [process.argv[0]!, modulePath, ...args];
await import(pathToFileURL(modulePath).href);
