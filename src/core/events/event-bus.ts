/** An event as subscribers see it: a monotonic id lets a client resume after reconnecting. */
export interface BusEvent<Events, K extends keyof Events = keyof Events> {
  id: number;
  at: Date;
  type: K;
  data: Events[K];
}

export type AnyBusEvent<Events> = { [K in keyof Events]: BusEvent<Events, K> }[keyof Events];

type Listener<Events> = (event: AnyBusEvent<Events>) => void;

export interface EventBusOptions {
  /** How many recent events are kept for clients that reconnect with the last id they saw. */
  replayLimit?: number;
}

/**
 * A typed event bus. Written here rather than on EventEmitter because subscribers need ids,
 * replay from a given id, and an async iterator that ends cleanly when the consumer goes away.
 */
export class EventBus<Events extends object> {
  #nextId = 1;
  #listeners = new Set<Listener<Events>>();
  #recent: AnyBusEvent<Events>[] = [];
  #replayLimit: number;

  constructor(options: EventBusOptions = {}) {
    this.#replayLimit = options.replayLimit ?? 1000;
  }

  emit<K extends keyof Events>(type: K, data: Events[K]): void {
    const event = { id: this.#nextId++, at: new Date(), type, data } as AnyBusEvent<Events>;
    this.#recent.push(event);
    if (this.#recent.length > this.#replayLimit) this.#recent.shift();
    for (const listener of this.#listeners) {
      // One failing subscriber must not stop the others (nor the emitter).
      try {
        listener(event);
      } catch {
        /* the subscriber's own problem */
      }
    }
  }

  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: Listener<Events>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events of one type, with their payload only. */
  on<K extends keyof Events>(type: K, listener: (data: Events[K]) => void): () => void {
    return this.subscribe((event) => {
      if (event.type === type) listener(event.data as Events[K]);
    });
  }

  /** The id the next event will get, minus one. */
  get lastId(): number {
    return this.#nextId - 1;
  }

  /**
   * Every event after `afterId` still kept, then live events, until `signal` aborts. Events that
   * arrive while the consumer is busy are buffered, so none is skipped.
   */
  async *stream(
    options: { afterId?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<AnyBusEvent<Events>> {
    const pending: AnyBusEvent<Events>[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.subscribe((event) => {
      pending.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    options.signal?.addEventListener('abort', onAbort);
    try {
      if (options.afterId !== undefined) {
        pending.unshift(
          ...this.#recent.filter((e) => e.id > options.afterId! && !pending.includes(e)),
        );
      }
      while (!options.signal?.aborted) {
        const event = pending.shift();
        if (event) {
          yield event;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
