import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DriveError } from './http-io.ts';
import { boundaryOf, MultipartRelatedParser } from './multipart-related.ts';

function body(boundary: string, media: Buffer, trailer = '\r\n'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n`),
    Buffer.from('{"name":"x"}'),
    Buffer.from(`\r\n--${boundary}\r\nContent-Type: image/png\r\n\r\n`),
    media,
    Buffer.from(`\r\n--${boundary}--${trailer}`),
  ]);
}

function parse(boundary: string, input: Buffer, splitAt: (i: number) => number) {
  let metadata = '';
  let mime: string | undefined;
  const media: Buffer[] = [];
  const parser = new MultipartRelatedParser(boundary, {
    onMetadata: (b) => (metadata = b.toString()),
    onMediaStart: (t) => (mime = t),
    onMediaChunk: (c) => media.push(Buffer.from(c)),
  });
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = splitAt(i);
    parser.write(input.subarray(at, at + size));
    at += size;
  }
  parser.end();
  return { metadata, mime, media: Buffer.concat(media) };
}

describe('MultipartRelatedParser', () => {
  it('splits metadata from binary media however the body is chunked', () => {
    const boundary = 'b0undary';
    // Media full of near-delimiters: the parser must only stop at CRLF--boundary.
    const media = Buffer.concat([
      randomBytes(5000),
      Buffer.from(`\r\n--b0undar\r\nx--b0undary\r\n`),
      randomBytes(5000),
    ]);
    for (const trailer of ['', '\r\n']) {
      const input = body(boundary, media, trailer);
      for (const chunk of [1, 3, 7, 13, 64, 4096, input.length]) {
        const out = parse(boundary, input, () => chunk);
        expect(out.metadata).toBe('{"name":"x"}');
        expect(out.mime).toBe('image/png');
        expect(out.media.equals(media)).toBe(true);
      }
    }
  });

  it('rejects a body without the closing delimiter, and more than two parts', () => {
    const truncated = body('b', Buffer.from('abc')).subarray(0, -6);
    expect(() => parse('b', truncated, () => 10)).toThrow(DriveError);
    const three = Buffer.concat([
      body('b', Buffer.from('abc')).subarray(0, -7),
      Buffer.from('\r\n--b\r\n\r\nmore\r\n--b--'),
    ]);
    expect(() => parse('b', three, () => 10)).toThrow(DriveError);
  });

  it('reads the boundary, quoted or not', () => {
    expect(boundaryOf('multipart/related; boundary=abc')).toBe('abc');
    expect(boundaryOf('multipart/related; boundary="a b"')).toBe('a b');
    expect(() => boundaryOf('application/json')).toThrow(DriveError);
  });
});
