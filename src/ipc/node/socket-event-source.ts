import { EventSource, type FetchLike } from 'eventsource';

export interface SocketEventSourceOptions {
  /** Where requests go: the socket client's socket-bound fetch. */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Wait between reconnection attempts; 500 ms by default. */
  reconnectDelayMs?: number | undefined;
  /**
   * Whether a failure to connect ends the stream instead of retrying. Browsers retry network
   * errors forever; a command-line client whose agent is not running wants to be told.
   */
  isFatal?: (error: unknown, context: { everOpened: boolean }) => boolean;
}

/**
 * The `EventSource` class tRPC's `httpSubscriptionLink` is given for the agent's socket: the
 * `eventsource` package (WHATWG EventSource: `Last-Event-ID` on every reconnection, which tRPC
 * turns into the subscription's `lastEventId`, so `tracked()` events resume) reading through our
 * socket fetch. Two things it does not do are added here:
 *
 * - The failure itself: its `error` event carries only a message (for a refused answer, its
 *   status: an input too large for a URL is said as such). The fetch's error is kept and
 *   set as the event's `error`, so that callers can tell "no agent" (`AgentNotRunningError`) from
 *   a broken stream, and a failure `isFatal` names closes the source (tRPC then ends the
 *   subscription with it) instead of retrying.
 * - A shorter reconnection time than its 3 s: the agent is on this machine, and a client that
 *   follows uploads should be back within a moment of a restart. A stream's `retry:` field sets
 *   it, so the answer is read with one in front. Until a first answer, the package's 3 s apply:
 *   only a client that waits for an agent not started yet (`waitForAgent`) waits that long.
 */
export function socketEventSource(options: SocketEventSourceOptions): typeof EventSource {
  const reconnectMs = options.reconnectDelayMs ?? 500;
  return class SocketEventSource extends EventSource {
    constructor(url: string | URL, init?: { withCredentials?: boolean }) {
      const failure: { error?: unknown } = {};
      const fetch: FetchLike = async (input, requestInit) => {
        let response: Response;
        try {
          response = await options.fetch(input, requestInit as RequestInit);
        } catch (error) {
          failure.error = error;
          throw error;
        }
        // The input travels in the URL; Node refuses a request head over 16 KiB.
        if (response.status === 431 || response.status === 414)
          failure.error = new Error(
            `The subscription's input is too large to send (HTTP ${response.status}); send a smaller one.`,
          );
        return withRetry(response, reconnectMs);
      };
      super(url, { ...init, fetch });
      let everOpened = false;
      this.addEventListener('open', () => {
        everOpened = true;
        failure.error = undefined;
      });
      // Registered before tRPC's own listener: it sees the cause and, when fatal, a closed source.
      this.addEventListener('error', (event) => {
        if (failure.error === undefined) return;
        Object.defineProperty(event, 'error', { value: failure.error });
        // tRPC words its error from the event's message.
        if (failure.error instanceof Error)
          Object.defineProperty(event, 'message', { value: failure.error.message });
        if (options.isFatal?.(failure.error, { everOpened })) this.close();
      });
    }
  };
}

/** The same answer, its event stream led by `retry: ms`. */
function withRetry(response: Response, reconnectMs: number): Response {
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !response.body || !/^text\/event-stream\b/i.test(type))
    return response;
  const lead = new TextEncoder().encode(`retry: ${reconnectMs}\n\n`);
  const body = response.body;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(lead);
    },
    async pull(controller) {
      reader ??= body.getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader ? reader.cancel(reason) : body.cancel(reason);
    },
  });
  return new Response(stream, { status: response.status, headers: response.headers });
}
