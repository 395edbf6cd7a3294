import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';

describe('SseParser', () => {
  it('yields events as they complete, however the text is chunked', () => {
    const parser = new SseParser();
    const text =
      'event: connected\ndata: {}\n\ndata: {"n":1}\nid: 1\n\n: ping\n\ndata: a\ndata: b\n\n';
    const whole = new SseParser().push(text);
    const pieces = [...text].flatMap((char) => parser.push(char));

    expect(pieces).toEqual(whole);
    expect(whole).toEqual([
      { type: 'connected', data: '{}', lastEventId: '' },
      { type: 'message', data: '{"n":1}', lastEventId: '1' },
      { type: 'message', data: 'a\nb', lastEventId: '1' },
    ]);
  });

  it('accepts CR, LF and CRLF line ends, even a CRLF split across chunks', () => {
    const parser = new SseParser();
    const events = [
      ...parser.push('data: one\r'),
      ...parser.push('\n\r\ndata: two\r\rdata:three\n'),
      ...parser.push('\n'),
    ];
    expect(events.map((event) => event.data)).toEqual(['one', 'two', 'three']);
  });

  it('keeps the last id across events, ignores ids with NUL, and reads retry', () => {
    const parser = new SseParser('7');
    const events = parser.push('data: x\n\nid: 8\ndata: y\n\nid: 9\0\ndata: z\nretry: 250\n\n');

    expect(events.map((event) => event.lastEventId)).toEqual(['7', '8', '8']);
    expect(parser.retryMs).toBe(250);
  });

  it('sets the last id from an event without data, without dispatching it', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('3');
  });
});
