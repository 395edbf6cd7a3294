import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoStandin, type MongoStandin } from './index.ts';
import { FrameReader } from './wire-framing.ts';
import { OP_MSG, OP_QUERY, OP_REPLY } from './wire-messages.ts';

/**
 * Speaks the wire protocol by hand, to cover what the Node driver never sends: document sequences
 * (other drivers use them for insert/update/delete), checksums, moreToCome and split frames.
 */

let standin: MongoStandin;

beforeAll(async () => {
  standin = await startMongoStandin();
});

afterAll(async () => {
  await standin?.close();
});

interface Reply {
  responseTo: number;
  opCode: number;
  doc: Document;
}

async function rawClient(): Promise<{ socket: Socket; next: () => Promise<Reply> }> {
  const socket = connect(standin.port, '127.0.0.1');
  await once(socket, 'connect');
  const reader = new FrameReader();
  const replies: Reply[] = [];
  const waiters: ((reply: Reply) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) {
      const reply = decodeReply(frame);
      const waiter = waiters.shift();
      if (waiter) waiter(reply);
      else replies.push(reply);
    }
  });
  const next = (): Promise<Reply> => {
    const ready = replies.shift();
    return ready ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
  };
  return { socket, next };
}

function decodeReply(frame: Buffer): Reply {
  const opCode = frame.readInt32LE(12);
  const docStart = opCode === OP_MSG ? 21 : 36;
  return { responseTo: frame.readInt32LE(8), opCode, doc: deserialize(frame.subarray(docStart)) };
}

function header(length: number, requestId: number, opCode: number): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeInt32LE(length, 0);
  buf.writeInt32LE(requestId, 4);
  buf.writeInt32LE(opCode, 12);
  return buf;
}

function opMsg(
  requestId: number,
  flags: number,
  body: Document,
  sequence?: { id: string; docs: Document[] },
): Buffer {
  const parts: Buffer[] = [uint32(flags), Buffer.from([0]), Buffer.from(serialize(body))];
  if (sequence) {
    const name = Buffer.from(`${sequence.id}\0`);
    const docs = sequence.docs.map((doc) => Buffer.from(serialize(doc)));
    const size = 4 + name.length + docs.reduce((sum, doc) => sum + doc.length, 0);
    parts.push(Buffer.from([1]), uint32(size), name, ...docs);
  }
  // Bit 0 announces a CRC-32C trailer; its value is not checked on loopback.
  if (flags & 1) parts.push(Buffer.alloc(4));
  const payload = Buffer.concat(parts);
  return Buffer.concat([header(16 + payload.length, requestId, OP_MSG), payload]);
}

function uint32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32LE(value);
  return buf;
}

describe('wire protocol', () => {
  it('accepts document sequences and a checksum trailer, even one byte at a time', async () => {
    const { socket, next } = await rawClient();
    const message = opMsg(
      7,
      1,
      { insert: 'c', $db: 'wire1' },
      { id: 'documents', docs: [{ _id: 1 }, { _id: 2 }] },
    );

    for (const byte of message) socket.write(Buffer.from([byte]));
    const reply = await next();
    socket.destroy();

    expect(reply).toMatchObject({ responseTo: 7, opCode: OP_MSG, doc: { n: 2, ok: 1 } });
    expect(standin.collection('wire1', 'c')).toEqual([{ _id: 1 }, { _id: 2 }]);
  });

  it('answers the legacy OP_QUERY handshake with OP_REPLY', async () => {
    const { socket, next } = await rawClient();
    const query = Buffer.concat([
      uint32(0),
      Buffer.from('admin.$cmd\0'),
      uint32(0),
      uint32(0xffffffff),
      Buffer.from(serialize({ isMaster: 1, helloOk: true })),
    ]);

    socket.write(Buffer.concat([header(16 + query.length, 3, OP_QUERY), query]));
    const reply = await next();
    socket.destroy();

    expect(reply).toMatchObject({
      responseTo: 3,
      opCode: OP_REPLY,
      doc: { ismaster: true, isWritablePrimary: true, maxWireVersion: 21, ok: 1 },
    });
  });

  it('sends nothing back for moreToCome but still applies the write', async () => {
    const { socket, next } = await rawClient();
    const moreToCome = 1 << 1;

    socket.write(opMsg(10, moreToCome, { insert: 'c', $db: 'wire2', documents: [{ _id: 'x' }] }));
    socket.write(opMsg(11, 0, { find: 'c', $db: 'wire2' }));
    const reply = await next();
    socket.destroy();

    expect(reply).toMatchObject({
      responseTo: 11,
      doc: { cursor: { firstBatch: [{ _id: 'x' }] } },
    });
  });

  it('hangs up on a malformed frame', async () => {
    const { socket } = await rawClient();
    const closed = once(socket, 'close');

    socket.write(header(3, 1, OP_MSG));

    await closed;
    expect(socket.destroyed).toBe(true);
  });
});
