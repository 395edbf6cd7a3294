import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type * as Electron from 'electron';

/** What travels over a raw port: the message and the raw ports that came with it. */
export interface PortEnvelope {
  data: unknown;
  ports: MessagePort[];
}

/**
 * Marks a message that carries ports. A message without ports travels as itself, so the other
 * end may be a plain port (a page's DOM MessagePort, here a worker_threads one) and see exactly
 * what Electron would deliver.
 */
const CARRIES_PORTS = '\u0000standin:ports';

function unwrap(message: unknown): PortEnvelope {
  if (message && typeof message === 'object' && CARRIES_PORTS in message) {
    const { data, ports } = message as unknown as PortEnvelope;
    return { data, ports };
  }
  return { data: message, ports: [] };
}

type MessagePortMainMembers = Pick<
  Electron.MessagePortMain,
  'postMessage' | 'start' | 'close' | 'on' | 'once' | 'off' | 'removeListener'
>;

/**
 * Electron's MessagePortMain over a worker_threads MessagePort: messages wait until `start()`,
 * arrive as `{ data, ports }`, and `close` is emitted when either end closes, as in Electron.
 */
export class StandinMessagePort extends EventEmitter implements MessagePortMainMembers {
  readonly raw: MessagePort;
  #started = false;

  constructor(raw: MessagePort) {
    super();
    this.raw = raw;
    raw.on('close', () => this.emit('close'));
  }

  postMessage(message: unknown, transfer: Electron.MessagePortMain[] = []): void {
    const ports = transfer.map((port) => asStandinPort(port).raw);
    if (ports.length === 0) this.raw.postMessage(message);
    else this.raw.postMessage({ [CARRIES_PORTS]: true, data: message, ports }, ports);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.raw.on('message', (message: unknown) => {
      const { data, ports } = unwrap(message);
      this.emit('message', { data, ports: ports.map((raw) => wrapPort(raw)) });
    });
  }

  close(): void {
    this.raw.close();
  }
}

/** The stand-in's ports are typed as Electron's where main passes them from one API to another. */
export function wrapPort(raw: MessagePort): Electron.MessagePortMain {
  return new StandinMessagePort(raw) as unknown as Electron.MessagePortMain;
}

export function asStandinPort(port: Electron.MessagePortMain): StandinMessagePort {
  if (!(port instanceof StandinMessagePort))
    throw new TypeError('the stand-in can only transfer ports made by its MessageChannelMain');
  return port;
}

export class StandinMessageChannelMain {
  readonly port1: Electron.MessagePortMain;
  readonly port2: Electron.MessagePortMain;

  constructor() {
    const channel = new MessageChannel();
    this.port1 = wrapPort(channel.port1);
    this.port2 = wrapPort(channel.port2);
  }
}
