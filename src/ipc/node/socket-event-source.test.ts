import { describe, expect, it } from 'vitest';
import { AgentNotRunningError } from './socket-errors.ts';
import { socketEventSource } from './socket-event-source.ts';

/** A fetch whose responses the test scripts, recording what each request asked for. */
function scriptedFetch(responses: Array<() => Response>) {
  const requests: Headers[] = [];
  const fetch = async (_input: string | URL, init?: RequestInit) => {
    requests.push(new Headers(init?.headers));
    const next = responses.shift();
    if (!next) return new Promise<Response>(() => {});
    return next();
  };
  return { fetch, requests };
}

const stream = (text: string) =>
  new Response(text, { headers: { 'content-type': 'text/event-stream' } });

function nextEvent(source: EventTarget, type: string): Promise<Event> {
  return new Promise((resolve) => source.addEventListener(type, resolve, { once: true }));
}

type FailureEvent = Event & { error?: unknown; message?: string };
const noAgent = () => new AgentNotRunningError('/tmp/agent.sock', 'ENOENT');

describe('the socket EventSource', () => {
  it('reconnects after the stream ends, sending the last event id it saw', async () => {
    const { fetch, requests } = scriptedFetch([
      () => stream('id: 41\ndata: first\n\n'),
      () => stream('id: 42\ndata: second\n\n'),
    ]);
    const Source = socketEventSource({ fetch, reconnectDelayMs: 1 });
    const source = new Source('http://x/events');
    const data: string[] = [];
    source.addEventListener('message', (event) => data.push(event.data));

    const first = await nextEvent(source, 'message');
    expect((first as MessageEvent).lastEventId).toBe('41');
    await nextEvent(source, 'message');
    source.close();

    expect(data).toEqual(['first', 'second']);
    expect(requests[0]!.get('last-event-id')).toBeNull();
    expect(requests[1]!.get('last-event-id')).toBe('41');
    expect(requests[1]!.get('accept')).toBe('text/event-stream');
  });

  it('gives up on a response that is not an event stream', async () => {
    const { fetch } = scriptedFetch([() => new Response('nope', { status: 404 })]);
    const Source = socketEventSource({ fetch });
    const source = new Source('http://x/events');

    const error = (await nextEvent(source, 'error')) as FailureEvent;

    expect(source.readyState).toBe(Source.CLOSED);
    expect(error.message).toContain('404');
  });

  it('says an input too large for the URL is too large', async () => {
    const { fetch } = scriptedFetch([() => new Response('', { status: 431 })]);
    const source = new (socketEventSource({ fetch }))('http://x/events');

    const error = (await nextEvent(source, 'error')) as FailureEvent;

    expect(error.message).toMatch(/input is too large to send \(HTTP 431\)/);
  });

  it('stops for good when no agent answers the first connection, carrying the cause', async () => {
    const cause = noAgent();
    const { fetch } = scriptedFetch([
      () => {
        throw cause;
      },
    ]);
    const Source = socketEventSource({
      fetch,
      reconnectDelayMs: 1,
      isFatal: (error, { everOpened }) => !everOpened && error instanceof AgentNotRunningError,
    });
    const source = new Source('http://x/events');

    const error = (await nextEvent(source, 'error')) as FailureEvent;

    expect(source.readyState).toBe(Source.CLOSED);
    expect(error.error).toBe(cause);
  });

  it('keeps trying while it waits for an agent', async () => {
    const { fetch } = scriptedFetch([
      () => {
        throw noAgent();
      },
    ]);
    const Source = socketEventSource({ fetch, isFatal: () => false });
    const source = new Source('http://x/events');

    const error = (await nextEvent(source, 'error')) as FailureEvent;

    expect(error.error).toBeInstanceOf(AgentNotRunningError);
    expect(source.readyState).toBe(Source.CONNECTING);
    source.close();
  });

  it('comes back after its agent went away, within its reconnection time, from the last id', async () => {
    const { fetch, requests } = scriptedFetch([
      () => stream('id: 7\ndata: hello\n\n'),
      () => {
        throw noAgent();
      },
      () => stream('id: 8\ndata: again\n\n'),
    ]);
    const Source = socketEventSource({
      fetch,
      reconnectDelayMs: 1,
      isFatal: (error, { everOpened }) => !everOpened && error instanceof AgentNotRunningError,
    });
    const source = new Source('http://x/events');
    const errors: FailureEvent[] = [];
    source.addEventListener('error', (event) => errors.push(event as FailureEvent));

    expect(((await nextEvent(source, 'message')) as MessageEvent).data).toBe('hello');
    expect(((await nextEvent(source, 'message')) as MessageEvent).data).toBe('again');
    source.close();

    expect(errors.map((e) => e.error).find(Boolean)).toBeInstanceOf(AgentNotRunningError);
    expect(requests[2]!.get('last-event-id')).toBe('7');
  });
});
