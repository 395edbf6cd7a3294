import { DriveError } from './http-io.ts';

export interface MultipartHandlers {
  /** The first part, whole: Drive's JSON metadata. */
  onMetadata(body: Buffer, contentType: string | undefined): void;
  /** The second part's headers, before any of its bytes. */
  onMediaStart(contentType: string | undefined): void;
  /** The second part's bytes, streamed as they arrive. */
  onMediaChunk(chunk: Buffer): void;
}

type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'epilogue';

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_METADATA_BYTES = 1024 * 1024;

function malformed(): DriveError {
  return new DriveError(400, 'badContent', 'Malformed multipart body.');
}

export function boundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/related\s*;.*?boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(
    contentType ?? '',
  );
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) {
    throw new DriveError(400, 'badContent', 'Invalid multipart request with 0 mime parts.');
  }
  return boundary;
}

/**
 * Streaming multipart/related parser for Drive's two-part upload (metadata, then media). Delimiters
 * are found with Buffer.indexOf, and media bytes are passed on as slices, so it is binary-safe and
 * does no per-byte JavaScript work however big the upload.
 */
export class MultipartRelatedParser {
  readonly #delimiter: Buffer;
  readonly #handlers: MultipartHandlers;
  // Starts with CRLF so that a delimiter at the very start of the body is found like any other.
  #pending: Buffer = CRLF;
  #state: State = 'preamble';
  #part = -1;
  #contentType: string | undefined;
  #metadata: Buffer[] = [];
  #metadataSize = 0;

  constructor(boundary: string, handlers: MultipartHandlers) {
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
    this.#handlers = handlers;
  }

  write(chunk: Buffer): void {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (this.#step()) {
      // each step consumes what it can; false means it needs more bytes
    }
  }

  end(): void {
    if (this.#state !== 'epilogue' || this.#part !== 1) throw malformed();
  }

  #step(): boolean {
    const buf = this.#pending;
    switch (this.#state) {
      case 'preamble':
      case 'body': {
        const at = buf.indexOf(this.#delimiter);
        const safe = at === -1 ? Math.max(0, buf.length - this.#delimiter.length + 1) : at;
        if (this.#state === 'body' && safe > 0) this.#partData(buf.subarray(0, safe));
        if (at === -1) {
          this.#pending = buf.subarray(safe);
          return false;
        }
        if (this.#state === 'body') this.#partEnd();
        this.#pending = buf.subarray(at + this.#delimiter.length);
        this.#state = 'afterDelimiter';
        return true;
      }
      case 'afterDelimiter': {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          this.#state = 'epilogue';
          return true;
        }
        const lineEnd = buf.indexOf(CRLF);
        if (lineEnd === -1) {
          if (buf.length > 1024) throw malformed();
          return false;
        }
        if (buf.subarray(0, lineEnd).toString('latin1').trim() !== '') throw malformed();
        this.#pending = buf.subarray(lineEnd + 2);
        this.#state = 'headers';
        return true;
      }
      case 'headers': {
        if (buf.length < 2) return false;
        const end = buf[0] === 0x0d && buf[1] === 0x0a ? 0 : buf.indexOf(HEADER_END);
        if (end === -1) {
          if (buf.length > 16 * 1024) throw malformed();
          return false;
        }
        const headers = buf.subarray(0, end).toString('latin1');
        this.#contentType = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
        this.#pending = buf.subarray(end === 0 ? 2 : end + 4);
        this.#partStart();
        this.#state = 'body';
        return true;
      }
      case 'epilogue':
        this.#pending = Buffer.alloc(0);
        return false;
    }
  }

  #partStart(): void {
    this.#part += 1;
    if (this.#part > 1) throw malformed();
    if (this.#part === 1) this.#handlers.onMediaStart(this.#contentType);
  }

  #partData(data: Buffer): void {
    if (this.#part === 1) {
      this.#handlers.onMediaChunk(data);
      return;
    }
    this.#metadataSize += data.length;
    if (this.#metadataSize > MAX_METADATA_BYTES) throw malformed();
    this.#metadata.push(data);
  }

  #partEnd(): void {
    if (this.#part === 0) {
      this.#handlers.onMetadata(Buffer.concat(this.#metadata), this.#contentType);
    }
  }
}
