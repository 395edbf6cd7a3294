/** One event of a `text/event-stream`, as the HTML standard defines its dispatch. */
export interface ServerSentEvent {
  /** The `event:` field, or `message` when there was none. */
  type: string;
  data: string;
  /** The last `id:` seen on the stream so far (it carries over to later events without one). */
  lastEventId: string;
}

/**
 * Incremental parser for the event-stream format (HTML standard, "Server-sent events", 9.2.6).
 * Text goes in as it arrives, in chunks of any size; whole events come out.
 */
export class SseParser {
  /** The reconnection time the server asked for with a `retry:` field, if any. */
  retryMs: number | undefined;
  #pending = '';
  #data = '';
  #type = '';
  #lastEventId: string;

  constructor(lastEventId = '') {
    this.#lastEventId = lastEventId;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  push(text: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    let buffer = this.#pending + text;
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      if (end === -1) break;
      // A lone CR at the end of a chunk may be the first half of a CRLF split across chunks.
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      const width = buffer.startsWith('\r\n', end) ? 2 : 1;
      this.#line(buffer.slice(0, end), events);
      buffer = buffer.slice(end + width);
    }
    this.#pending = buffer;
    return events;
  }

  #line(line: string, events: ServerSentEvent[]): void {
    if (line === '') {
      this.#dispatch(events);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data += `${value}\n`;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
  }

  #dispatch(events: ServerSentEvent[]): void {
    const type = this.#type || 'message';
    const data = this.#data;
    this.#type = '';
    this.#data = '';
    if (data === '') return;
    events.push({ type, data: data.slice(0, -1), lastEventId: this.#lastEventId });
  }
}
