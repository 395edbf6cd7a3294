import { createServer, type Server, type Socket } from 'node:net';
import type { Doc } from './document.ts';
import { FrameReader } from './wire-framing.ts';
import { decodeRequest, encodeReply, type WireRequest } from './wire-messages.ts';

export type RequestHandler = (request: WireRequest, connectionId: number) => Doc;

/**
 * The TCP face of the stand-in on 127.0.0.1. It can go down (closing every client socket, which the
 * driver sees as a network error) and come back on the same port.
 */
export class TcpListener {
  readonly #handle: RequestHandler;
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #nextConnectionId = 1;
  #nextResponseId = 1;

  constructor(handle: RequestHandler) {
    this.#handle = handle;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Resolves with the bound port (the one asked for, or a free one for 0). */
  async listen(port: number): Promise<number> {
    if (this.#server) throw new Error('already listening');
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not a TCP address');
    return address.port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  #accept(socket: Socket): void {
    const connectionId = this.#nextConnectionId++;
    const reader = new FrameReader();
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.#sockets.delete(socket));
    // Clients vanish mid-stream (ECONNRESET); that is their business, not a server crash.
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of reader.push(chunk)) this.#respond(socket, frame, connectionId);
      } catch {
        // A malformed frame leaves the stream unreadable; dropping the client is what mongod does.
        socket.destroy();
      }
    });
  }

  #respond(socket: Socket, frame: Buffer, connectionId: number): void {
    const request = decodeRequest(frame);
    const reply = this.#handle(request, connectionId);
    if (request.moreToCome) return;
    socket.write(encodeReply(request, this.#nextResponseId++, reply));
  }
}
