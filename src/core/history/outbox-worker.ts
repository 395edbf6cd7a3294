import type { Logger } from 'pino';
import type { Outbox, OutboxEntry } from './outbox.ts';
import type { StoredRecord } from './search-plan.ts';

/** Where the outbox drains to (MongoDB); a port so the worker is testable without one. */
export interface SyncTarget {
  /** Upserts by record id; resolves with the positions MongoDB refused and why. */
  upsert(records: readonly StoredRecord[]): Promise<Map<number, string>>;
  clear(machine: string, before: Date | null): Promise<void>;
  /**
   * A round trip that also (re)creates what the target needs (indexes): made before anything
   * else at first contact and after every failure, since a server that was away may have lost them.
   */
  connect(): Promise<void>;
}

/**
 * `connecting`: configured, but no round trip has succeeded yet since the start or the last
 * failure; `failing`: the last attempt failed (`lastError` says why).
 */
export type SyncState = 'off' | 'connecting' | 'idle' | 'syncing' | 'failing';

export interface HistorySyncStatus {
  state: SyncState;
  /** Outbox entries waiting to be sent (not counting refused ones). */
  waiting: number;
  /**
   * Records MongoDB refused one by one (a validator, a unique index, a size limit). They are set
   * aside so the rest keep flowing, and tried again at the next start or retry.
   */
  refused: number;
  /** MongoDB's reason for the newest refused record. */
  lastRefusal: string | null;
  lastError: string | null;
  lastSyncedAt: Date | null;
  /**
   * True only after a successful round trip to MongoDB since the last failure; searches use
   * MongoDB only then.
   */
  reachable: boolean;
  /** One line for a person: tray tooltip, `driveup status`. */
  message: string;
}

export interface OutboxWorkerOptions {
  outbox: Outbox;
  target: SyncTarget;
  /** Records per bulkWrite. */
  batchSize?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  onStatus?: (status: HistorySyncStatus) => void;
  logger?: Logger;
}

type Step = 'idle' | 'progress' | 'failed';

/**
 * Copies the outbox to MongoDB, oldest first, one bulk of upserts at a time, and acknowledges
 * entries only after MongoDB has. A crash between the two sends them again, which the upserts
 * absorb: at least once underneath, exactly once as users see it. While MongoDB is unreachable it
 * backs off exponentially; uploads and local search do not wait for it.
 */
export class OutboxWorker {
  readonly #outbox: Outbox;
  readonly #target: SyncTarget;
  readonly #batchSize: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #onStatus: (status: HistorySyncStatus) => void;
  readonly #logger: Logger | undefined;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #woken = false;
  #backoffMs: number;
  #lastError: string | null = null;
  #reachable = false;
  #lastSyncedAt: Date | null = null;
  #lastReported = '';

  constructor(options: OutboxWorkerOptions) {
    this.#outbox = options.outbox;
    this.#target = options.target;
    this.#batchSize = options.batchSize ?? 1000;
    this.#initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#backoffMs = this.#initialBackoffMs;
    this.#onStatus = options.onStatus ?? (() => {});
    this.#logger = options.logger;
  }

  /** Starts the loop; records refused before are tried once more (the server may have changed). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#outbox.retryRefused();
    this.#loop = this.#run();
  }

  /** Ends the loop after the step in flight; entries not acknowledged stay in the outbox. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#interrupt();
    await this.#loop;
    this.#loop = null;
  }

  /** New entries are waiting. Does not cut a backoff short: that would hammer a server down. */
  wake(): void {
    if (this.#lastError === null) this.#interrupt();
  }

  /** Try now, whatever the backoff (a person pressed "retry"). */
  retryNow(): void {
    this.#backoffMs = this.#initialBackoffMs;
    this.#outbox.retryRefused();
    this.#interrupt();
  }

  /** Something else (a search, the driver's monitor) found MongoDB unreachable: probe for its return. */
  reportUnreachable(error: unknown): void {
    if (!this.#reachable) return;
    this.#noteFailure(error);
    this.#interrupt();
  }

  status(): HistorySyncStatus {
    const { waiting, refused } = this.#outbox.counts();
    const state: SyncState = this.#lastError
      ? 'failing'
      : !this.#reachable
        ? 'connecting'
        : waiting > 0
          ? 'syncing'
          : 'idle';
    const lastRefusal = refused > 0 ? this.#outbox.lastRefusal() : null;
    return {
      state,
      waiting,
      refused,
      lastRefusal,
      lastError: this.#lastError,
      lastSyncedAt: this.#lastSyncedAt,
      reachable: this.#reachable,
      message: syncMessage({ state, waiting, lastError: this.#lastError, refused, lastRefusal }),
    };
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const step = await this.#step().catch((error: unknown) => {
        this.#noteFailure(error);
        return 'failed' as const;
      });
      this.#report();
      if (!this.#running) break;
      if (step === 'idle') await this.#pause(null);
      if (step === 'failed') await this.#pause(this.#nextBackoff());
    }
  }

  async #step(): Promise<Step> {
    if (!this.#reachable) {
      await this.#target.connect();
      this.#succeeded();
    }
    const entries = this.#outbox.next(this.#batchSize);
    const orphans = entries.filter((entry) => entry.kind === 'orphan');
    if (orphans.length) this.#outbox.ack(orphans.map((entry) => entry.seq));
    const live = entries.filter((entry): entry is OutboxEntry => entry.kind !== 'orphan');
    const first = live[0];
    if (!first) return orphans.length ? 'progress' : 'idle';
    if (first.kind === 'clear') {
      await this.#target.clear(first.machine, first.before);
      this.#outbox.ack([first.seq]);
      return this.#succeeded();
    }
    return this.#upsert(leadingUpserts(live));
  }

  async #upsert(entries: Array<Extract<OutboxEntry, { kind: 'upsert' }>>): Promise<Step> {
    const refused = await this.#target.upsert(entries.map((entry) => entry.stored));
    this.#outbox.ack(entries.filter((_, index) => !refused.has(index)).map((entry) => entry.seq));
    for (const [index, message] of refused) this.#outbox.fail(entries[index]!.seq, message);
    if (refused.size > 0) {
      // MongoDB answered: the sync goes on; these records wait aside, counted in status.
      this.#logger?.warn(
        { refused: refused.size, reason: [...refused.values()][0] },
        'MongoDB refused history records',
      );
    }
    return this.#succeeded();
  }

  #succeeded(): Step {
    if (this.#lastError) this.#logger?.info('history sync recovered');
    this.#lastError = null;
    this.#reachable = true;
    this.#backoffMs = this.#initialBackoffMs;
    this.#lastSyncedAt = new Date();
    return 'progress';
  }

  #noteFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.#lastError) this.#logger?.warn({ err: error }, 'history sync failing');
    this.#lastError = message;
    this.#reachable = false;
  }

  #nextBackoff(): number {
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#maxBackoffMs, this.#backoffMs * 2);
    return delay;
  }

  /** Waits for `ms` (forever when null) or until interrupted. */
  async #pause(ms: number | null): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = ms === null ? undefined : setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
    this.#woken = false;
  }

  #interrupt(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }

  #report(): void {
    const status = this.status();
    const key = JSON.stringify([
      status.state,
      status.waiting,
      status.refused,
      status.lastError,
      status.reachable,
    ]);
    if (key === this.#lastReported) return;
    this.#lastReported = key;
    this.#onStatus(status);
  }
}

function leadingUpserts(entries: OutboxEntry[]): Array<Extract<OutboxEntry, { kind: 'upsert' }>> {
  const end = entries.findIndex((entry) => entry.kind !== 'upsert');
  return (end === -1 ? entries : entries.slice(0, end)) as Array<
    Extract<OutboxEntry, { kind: 'upsert' }>
  >;
}

export function syncMessage(status: {
  state: SyncState;
  waiting: number;
  lastError: string | null;
  refused: number;
  lastRefusal: string | null;
}): string {
  return stateMessage(status) + refusedMessage(status.refused, status.lastRefusal);
}

function stateMessage({ state, waiting, lastError }: Parameters<typeof syncMessage>[0]): string {
  const records = `${waiting} ${waiting === 1 ? 'record' : 'records'} waiting`;
  switch (state) {
    case 'off':
      return 'local history only (no MongoDB configured)';
    case 'connecting':
      return `connecting to MongoDB, ${records}`;
    case 'idle':
      return 'history in sync with MongoDB';
    case 'syncing':
      return `history syncing to MongoDB, ${records}`;
    case 'failing':
      return `history sync failing: ${lastError}, ${records}`;
  }
}

function refusedMessage(refused: number, lastRefusal: string | null): string {
  if (refused === 0) return '';
  const records = `${refused} ${refused === 1 ? 'record' : 'records'}`;
  return `; ${records} refused by MongoDB (last: ${lastRefusal ?? 'no reason given'})`;
}
