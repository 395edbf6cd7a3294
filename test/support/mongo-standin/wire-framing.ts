/** The largest message a client may send; the same figure `hello` reports as maxMessageSizeBytes. */
export const MAX_MESSAGE_SIZE = 48_000_000;
const HEADER_SIZE = 16;

/** The stream broke the framing rules; the connection cannot be trusted any further. */
export class WireProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireProtocolError';
  }
}

/**
 * Cuts a TCP byte stream into whole wire-protocol messages. Every message starts with its own
 * int32 length, and TCP may split or merge messages arbitrarily, so bytes are held until complete.
 */
export class FrameReader {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  push(chunk: Buffer): Buffer[] {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    const frames: Buffer[] = [];
    for (let frame = this.#take(); frame; frame = this.#take()) frames.push(frame);
    return frames;
  }

  #take(): Buffer | undefined {
    if (this.#pendingBytes < 4) return undefined;
    const buffered = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const length = buffered.readInt32LE(0);
    if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
      throw new WireProtocolError(`invalid message length ${length}`);
    }
    if (buffered.length < length) {
      this.#pending = [buffered];
      return undefined;
    }
    const rest = buffered.subarray(length);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    return buffered.subarray(0, length);
  }
}
