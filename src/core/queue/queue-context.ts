import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.ts';
import { diskFullReason, isDiskFull } from '../store/disk-full.ts';
import { afterCommit } from '../store/transaction.ts';
import type { Clock } from './clock.ts';
import type { JobStore } from './job-store.ts';
import type { QueueEvents } from './queue-events.ts';

/** What every part of the queue shares: the store, time, the log, events, and how writes fail. */
export class QueueContext {
  readonly db: DatabaseSync;
  readonly jobs: JobStore;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  readonly #bus: Pick<EventBus<QueueEvents>, 'emit'>;
  readonly #onDiskFull: (path: string) => void;

  constructor(options: {
    db: DatabaseSync;
    jobs: JobStore;
    clock: Clock;
    logger: Logger | undefined;
    bus: Pick<EventBus<QueueEvents>, 'emit'>;
    onDiskFull: (path: string) => void;
  }) {
    this.db = options.db;
    this.jobs = options.jobs;
    this.clock = options.clock;
    this.logger = options.logger;
    this.#bus = options.bus;
    this.#onDiskFull = options.onDiskFull;
  }

  /**
   * Announces a change once it is committed: a subscriber that reads the database on an event
   * finds what the event says, and an event is never sent for a write that rolled back.
   */
  emit<K extends keyof QueueEvents>(type: K, data: QueueEvents[K]): void {
    afterCommit(this.db, () => this.#bus.emit(type, data));
  }

  /** Runs a write whose failure must not stop the caller: logged, and a full disk pauses. */
  write<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.noteWriteFailure(error);
      this.logger?.error({ err: error }, what);
      return undefined;
    }
  }

  noteWriteFailure(error: unknown): void {
    if (isDiskFull(error)) this.#onDiskFull(this.databasePath());
  }

  databasePath(): string {
    return this.db.location() ?? 'the local database';
  }

  /** The words of a refused write for want of space, where to free it included. */
  diskFullReason(): string {
    return diskFullReason(this.databasePath());
  }
}
