import { deserialize, serialize } from 'bson';
import type { Doc } from './document.ts';
import { WireProtocolError } from './wire-framing.ts';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;
const BODY_SECTION = 0;
const SEQUENCE_SECTION = 1;

/** One client command, whichever opcode carried it. */
export interface WireRequest {
  requestId: number;
  opCode: typeof OP_MSG | typeof OP_QUERY;
  /** The command document, with any document sequences folded in as arrays and `$db` set. */
  command: Doc;
  /** The client asked for no reply (unacknowledged writes). */
  moreToCome: boolean;
}

export function decodeRequest(frame: Buffer): WireRequest {
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (opCode === OP_MSG) return decodeOpMsg(frame, requestId);
  if (opCode === OP_QUERY) return decodeOpQuery(frame, requestId);
  // The stand-in never advertises compression, so OP_COMPRESSED or legacy CRUD opcodes are a bug.
  throw new WireProtocolError(`unsupported opcode ${opCode}`);
}

function decodeOpMsg(frame: Buffer, requestId: number): WireRequest {
  const flags = frame.readUInt32LE(16);
  // The CRC-32C trailer is not verified: TCP on loopback already guarantees the bytes.
  const end = flags & CHECKSUM_PRESENT ? frame.length - 4 : frame.length;
  let body: Doc | undefined;
  const sequences: Record<string, Doc[]> = {};
  let offset = 20;
  while (offset < end) {
    const kind = frame.readUInt8(offset);
    offset += 1;
    if (kind === BODY_SECTION) {
      const size = frame.readInt32LE(offset);
      body = readDoc(frame, offset, size);
      offset += size;
    } else if (kind === SEQUENCE_SECTION) {
      const size = frame.readInt32LE(offset);
      const [identifier, docs] = readSequence(frame, offset, size);
      sequences[identifier] = docs;
      offset += size;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new WireProtocolError('OP_MSG without a body section');
  return {
    requestId,
    opCode: OP_MSG,
    command: { ...body, ...sequences },
    moreToCome: (flags & MORE_TO_COME) !== 0,
  };
}

function readSequence(frame: Buffer, start: number, size: number): [string, Doc[]] {
  const end = start + size;
  const nameEnd = frame.indexOf(0, start + 4);
  if (nameEnd < 0 || nameEnd >= end)
    throw new WireProtocolError('unterminated sequence identifier');
  const identifier = frame.toString('utf8', start + 4, nameEnd);
  const docs: Doc[] = [];
  for (let offset = nameEnd + 1; offset < end;) {
    const docSize = frame.readInt32LE(offset);
    docs.push(readDoc(frame, offset, docSize));
    offset += docSize;
  }
  return [identifier, docs];
}

function decodeOpQuery(frame: Buffer, requestId: number): WireRequest {
  const nsEnd = frame.indexOf(0, 20);
  if (nsEnd < 0) throw new WireProtocolError('unterminated OP_QUERY namespace');
  const namespace = frame.toString('utf8', 20, nsEnd);
  const [db, collection] = splitNamespace(namespace);
  // Drivers only use OP_QUERY for the first handshake; plain legacy queries are long gone.
  if (collection !== '$cmd') throw new WireProtocolError(`OP_QUERY on ${namespace}`);
  const docStart = nsEnd + 1 + 8;
  const query = readDoc(frame, docStart, frame.readInt32LE(docStart));
  const command = isWrapped(query) ? query.$query : query;
  return { requestId, opCode: OP_QUERY, command: { ...command, $db: db }, moreToCome: false };
}

function isWrapped(query: Doc): query is Doc & { $query: Doc } {
  return typeof query.$query === 'object' && query.$query !== null;
}

function splitNamespace(namespace: string): [string, string] {
  const dot = namespace.indexOf('.');
  return dot < 0 ? [namespace, ''] : [namespace.slice(0, dot), namespace.slice(dot + 1)];
}

function readDoc(frame: Buffer, offset: number, size: number): Doc {
  if (size < 5 || offset + size > frame.length) throw new WireProtocolError('truncated document');
  return deserialize(frame.subarray(offset, offset + size)) as Doc;
}

export function encodeReply(request: WireRequest, responseId: number, reply: Doc): Buffer {
  const doc = serialize(reply, { ignoreUndefined: true });
  return request.opCode === OP_MSG
    ? encodeOpMsg(request.requestId, responseId, doc)
    : encodeOpReply(request.requestId, responseId, doc);
}

function encodeOpMsg(responseTo: number, responseId: number, doc: Uint8Array): Buffer {
  const prefix = Buffer.alloc(16 + 4 + 1);
  writeHeader(prefix, prefix.length + doc.length, responseId, responseTo, OP_MSG);
  prefix.writeUInt32LE(0, 16);
  prefix.writeUInt8(BODY_SECTION, 20);
  return Buffer.concat([prefix, doc]);
}

function encodeOpReply(responseTo: number, responseId: number, doc: Uint8Array): Buffer {
  const prefix = Buffer.alloc(16 + 4 + 8 + 4 + 4);
  writeHeader(prefix, prefix.length + doc.length, responseId, responseTo, OP_REPLY);
  prefix.writeInt32LE(0, 16); // responseFlags
  prefix.writeBigInt64LE(0n, 20); // cursorID
  prefix.writeInt32LE(0, 28); // startingFrom
  prefix.writeInt32LE(1, 32); // numberReturned
  return Buffer.concat([prefix, doc]);
}

function writeHeader(
  buf: Buffer,
  length: number,
  requestId: number,
  responseTo: number,
  opCode: number,
): void {
  buf.writeInt32LE(length, 0);
  buf.writeInt32LE(requestId, 4);
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
}
