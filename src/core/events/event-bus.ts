/** An event as subscribers see it: a monotonic id lets a client resume after reconnecting. */
export interface BusEvent<Events, K extends keyof Events = keyof Events> {
  id: number;
  at: Date;
  type: K;
  data: Events[K];
}

export type AnyBusEvent<Events> = { [K in keyof Events]: BusEvent<Events, K> }[keyof Events];

/**
 * What a stream yields instead of the events it cannot deliver: the subscriber must read the
 * state again. `gap`: the events after its last id are no longer kept; `behind`: it did not keep
 * up and its buffer was dropped. Its id is the last event it stands for, so resuming from it
 * continues with what comes next.
 */
export interface Resync {
  type: 'resync';
  id: number;
  at: Date;
  data: { reason: 'gap' | 'behind' };
}

type Listener<Events> = (event: AnyBusEvent<Events>) => void;

export interface EventBusOptions {
  /** How many recent events are kept for clients that reconnect with the last id they saw. */
  replayLimit?: number;
  /** Events a stream holds for a subscriber that does not take them, at most. Default 10,000. */
  maxBuffered?: number;
  /**
   * How long a subscriber may go without taking an event, while more than `maxBuffered` wait,
   * before it is dropped to a resync. A burst (100,000 files added at once) fills a buffer in one
   * turn; a subscriber that keeps taking events is not dropped for it. Default 5 s.
   */
  stallMs?: number;
  /** The time for stalls; injectable for tests. */
  now?: () => number;
}

/**
 * A typed event bus. Written here rather than on EventEmitter because subscribers need ids,
 * replay from a given id, an async iterator that ends cleanly when the consumer goes away, and
 * honest gaps: a stream never skips events silently, it says `resync`.
 */
export class EventBus<Events extends object> {
  #nextId = 1;
  #listeners = new Set<Listener<Events>>();
  #recent: AnyBusEvent<Events>[] = [];
  readonly #replayLimit: number;
  readonly #maxBuffered: number;
  readonly #stallMs: number;
  readonly #now: () => number;

  constructor(options: EventBusOptions = {}) {
    this.#replayLimit = options.replayLimit ?? 1000;
    this.#maxBuffered = options.maxBuffered ?? 10_000;
    this.#stallMs = options.stallMs ?? 5000;
    this.#now = options.now ?? Date.now;
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
   * arrive while the consumer is busy are buffered, so none is skipped; when they cannot be
   * delivered (`afterId` is older than what is kept, or the consumer stalled with a full buffer)
   * a `resync` comes instead, then the events from there on.
   */
  async *stream(
    options: { afterId?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<AnyBusEvent<Events> | Resync> {
    let pending: Array<AnyBusEvent<Events> | Resync> = [];
    let wake: (() => void) | undefined;
    // The consumer is waiting for an event, or took one at `lastTaken`.
    let waiting = false;
    let lastTaken = this.#now();
    const unsubscribe = this.subscribe((event) => {
      pending.push(event);
      if (
        pending.length > this.#maxBuffered &&
        !waiting &&
        this.#now() - lastTaken > this.#stallMs
      ) {
        pending = [resyncAt(event.id, 'behind')];
      }
      wake?.();
    });
    const onAbort = () => wake?.();
    options.signal?.addEventListener('abort', onAbort);
    try {
      if (options.afterId !== undefined) pending.unshift(...this.#since(options.afterId, pending));
      while (!options.signal?.aborted) {
        const event = pending.shift();
        if (event) {
          lastTaken = this.#now();
          yield event;
          lastTaken = this.#now();
          continue;
        }
        waiting = true;
        await new Promise<void>((resolve) => (wake = resolve));
        waiting = false;
        lastTaken = this.#now();
        wake = undefined;
      }
    } finally {
      unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** What a subscriber that saw `afterId` missed: the kept events after it, or a resync. */
  #since(
    afterId: number,
    alreadyPending: ReadonlyArray<AnyBusEvent<Events> | Resync>,
  ): Array<AnyBusEvent<Events> | Resync> {
    const oldestKept = this.#recent[0]?.id ?? this.#nextId;
    if (afterId < oldestKept - 1) {
      // Events after `afterId` are gone: the subscriber re-reads, then goes on from the newest.
      const newestBefore = (alreadyPending[0]?.id ?? this.#nextId) - 1;
      return [resyncAt(newestBefore, 'gap')];
    }
    return this.#recent.filter((e) => e.id > afterId && !alreadyPending.includes(e));
  }
}

function resyncAt(id: number, reason: Resync['data']['reason']): Resync {
  return { type: 'resync', id, at: new Date(), data: { reason } };
}
