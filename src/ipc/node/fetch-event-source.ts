import { SseParser } from './sse-parser.ts';

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface FetchEventSourceInit {
  /** Where requests go; the socket client passes its socket-bound fetch. Defaults to global fetch. */
  fetch?: FetchLike;
  /** Wait before the first reconnection attempt; doubles on each failure up to the maximum. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /**
   * Whether a failure to connect should end the stream instead of retrying. Browsers retry
   * network errors forever; a command-line client whose agent is not running wants to be told.
   */
  isFatal?: (error: unknown, context: { everOpened: boolean }) => boolean;
  /** Part of the standard EventSourceInit; meaningless without cookies, so ignored. */
  withCredentials?: boolean;
}

/** The `error` event, carrying the failure so that callers can tell why the stream broke. */
export class EventSourceErrorEvent extends Event {
  readonly error: unknown;
  /** tRPC turns the event into a `TRPCClientError` and takes its message from here. */
  readonly message: string;

  constructor(error: unknown) {
    super('error');
    this.error = error;
    this.message = error instanceof Error ? error.message : 'The event stream broke.';
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/**
 * A WHATWG-style `EventSource` that reads the stream through any `fetch`.
 *
 * tRPC's `httpSubscriptionLink` needs an EventSource class. Node 24 has one only behind
 * `--experimental-eventsource`, and it can reach a Unix socket only through an undici dispatcher
 * (undici is not our dependency); the `eventsource` package has the same limit. Reading the
 * stream through our socket fetch needs only the parser in `sse-parser.ts`, so it is written here.
 *
 * It follows the standard where tRPC relies on it: `Last-Event-ID` is sent on every reconnection
 * (tRPC merges it into the subscription's input as `lastEventId`, which is how `tracked()` events
 * resume), a closed or broken stream is retried after the reconnection time (`retry:` honoured),
 * a response that is not a 200 `text/event-stream` fails for good. Unlike a browser it backs off
 * between attempts and can be told that some connection errors are final (`isFatal`).
 */
export class FetchEventSource extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSED = CLOSED;

  readonly url: string;
  readonly withCredentials = false;
  readyState: number = CONNECTING;

  #fetch: FetchLike;
  #init: FetchEventSourceInit;
  #baseDelayMs: number;
  #delayMs: number;
  #lastEventId = '';
  #everOpened = false;
  #abort: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string | URL, init: FetchEventSourceInit = {}) {
    super();
    this.url = String(url);
    this.#init = init;
    this.#fetch = init.fetch ?? globalThis.fetch;
    this.#baseDelayMs = init.reconnectDelayMs ?? 500;
    this.#delayMs = this.#baseDelayMs;
    void this.#connect();
  }

  close(): void {
    this.readyState = CLOSED;
    clearTimeout(this.#timer);
    this.#abort?.abort();
  }

  async #connect(): Promise<void> {
    if (this.readyState === CLOSED) return;
    const abort = (this.#abort = new AbortController());
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.#lastEventId) headers['last-event-id'] = this.#lastEventId;

    let response: Response;
    try {
      response = await this.#fetch(this.url, { headers, signal: abort.signal, cache: 'no-store' });
    } catch (error) {
      this.#broken(error);
      return;
    }
    if (this.readyState === CLOSED) {
      await response.body?.cancel().catch(() => {});
      return;
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !/^text\/event-stream\b/i.test(type)) {
      await response.body?.cancel().catch(() => {});
      this.#fail(new Error(this.#refusal(response.status, type)));
      return;
    }

    this.readyState = OPEN;
    this.#everOpened = true;
    this.#delayMs = this.#baseDelayMs;
    this.dispatchEvent(new Event('open'));

    const parser = new SseParser(this.#lastEventId);
    const decoder = new TextDecoder();
    let failure: unknown;
    try {
      if (!response.body) throw new Error(`The event stream at ${this.#where()} has no body.`);
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          this.#lastEventId = event.lastEventId;
          if (this.readyState === CLOSED) return;
          const { type, data, lastEventId } = event;
          this.dispatchEvent(new MessageEvent(type, { data, lastEventId, origin: this.#origin() }));
        }
        this.#lastEventId = parser.lastEventId;
        if (parser.retryMs !== undefined) this.#baseDelayMs = this.#delayMs = parser.retryMs;
      }
    } catch (error) {
      failure = error;
    }
    this.#broken(failure ?? new Error(`The event stream at ${this.#where()} ended.`));
  }

  #refusal(status: number, type: string): string {
    // The input travels in the URL; Node refuses a request head over 16 KiB.
    if (status === 431 || status === 414) {
      return `The subscription's input is too large to send (HTTP ${status}); send a smaller one.`;
    }
    return `The event stream at ${this.#where()} answered ${status} ${type}.`;
  }

  /** The URL for messages, without its query: that carries the input, which may be huge. */
  #where(): string {
    try {
      const url = new URL(this.url);
      return `${url.origin}${url.pathname}`;
    } catch {
      return this.url.split('?')[0]!;
    }
  }

  /** A lost connection: try again later, unless closed meanwhile or the caller says it is final. */
  #broken(error: unknown): void {
    if (this.readyState === CLOSED) return;
    if (this.#init.isFatal?.(error, { everOpened: this.#everOpened })) {
      this.#fail(error);
      return;
    }
    this.readyState = CONNECTING;
    this.dispatchEvent(new EventSourceErrorEvent(error));
    if (this.readyState !== CONNECTING) return;
    this.#timer = setTimeout(() => void this.#connect(), this.#delayMs);
    this.#delayMs = Math.min(this.#delayMs * 2, this.#init.maxReconnectDelayMs ?? 10_000);
  }

  #fail(error: unknown): void {
    this.readyState = CLOSED;
    this.#abort?.abort();
    this.dispatchEvent(new EventSourceErrorEvent(error));
  }

  #origin(): string {
    try {
      return new URL(this.url).origin;
    } catch {
      return '';
    }
  }
}
