import { describe, expect, it } from 'vitest';
import { FetchEventSource, type EventSourceErrorEvent } from './fetch-event-source.ts';

/** A fetch whose responses the test scripts, recording what each request asked for. */
function scriptedFetch(responses: Array<() => Response>) {
  const requests: Headers[] = [];
  const fetch = async (_input: string | URL | Request, init?: RequestInit) => {
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

describe('FetchEventSource', () => {
  it('reconnects after the stream ends, sending the last event id it saw', async () => {
    const { fetch, requests } = scriptedFetch([
      () => stream('id: 41\ndata: first\n\n'),
      () => stream('id: 42\ndata: second\n\n'),
    ]);
    const source = new FetchEventSource('http://x/events', { fetch, reconnectDelayMs: 1 });
    const data: string[] = [];
    source.addEventListener('message', (event) => data.push((event as MessageEvent).data));

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
    const source = new FetchEventSource('http://x/events', { fetch });

    const error = await nextEvent(source, 'error');

    expect(source.readyState).toBe(FetchEventSource.CLOSED);
    expect((error as EventSourceErrorEvent).message).toContain('404');
  });

  it('stops for good on a connection error the caller calls fatal, and retries others', async () => {
    const fatal = new Error('no agent');
    const { fetch } = scriptedFetch([
      () => {
        throw new Error('hiccup');
      },
      () => {
        throw fatal;
      },
    ]);
    const source = new FetchEventSource('http://x/events', {
      fetch,
      reconnectDelayMs: 1,
      isFatal: (error) => error === fatal,
    });

    const hiccup = await nextEvent(source, 'error');
    expect(source.readyState).toBe(FetchEventSource.CONNECTING);
    expect((hiccup as EventSourceErrorEvent).message).toBe('hiccup');
    const final = await nextEvent(source, 'error');
    expect(source.readyState).toBe(FetchEventSource.CLOSED);
    expect((final as EventSourceErrorEvent).error).toBe(fatal);
  });
});
