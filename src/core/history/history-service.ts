import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings-schema.ts';
import { transaction } from '../store/transaction.ts';
import type { HistoryEvents } from './history-events.ts';
import type {
  HistoryBackend,
  HistoryClearInput,
  HistoryPage,
  HistoryQueryInput,
} from './history-query.ts';
import { historyClearSchema, historyQuerySchema } from './history-query.ts';
import type { HistoryRecord } from './history-record.ts';
import { HistoryRecorder } from './history-recorder.ts';
import { LocalHistory } from './local-history.ts';
import { MongoHistory } from './mongo-history.ts';
import { assertMongoUri } from '../config/mongo-uri.ts';
import { Outbox } from './outbox.ts';
import type { HistorySyncStatus } from './outbox-worker.ts';
import { OutboxWorker, syncMessage } from './outbox-worker.ts';
import { planSearch } from './search-plan.ts';

/** Anything that takes the history's events: the agent's bus. */
export interface HistoryEventSink {
  emit<K extends keyof HistoryEvents>(type: K, data: HistoryEvents[K]): void;
}

export interface HistoryServiceOptions {
  db: DatabaseSync;
  /**
   * This machine in the shared history; `clear` on MongoDB removes only its records. A function
   * so a renamed machine applies at once.
   */
  machineName: string | (() => string);
  /** Shared history in MongoDB; local only when absent. Refused at once when invalid. */
  mongodbUri?: string | undefined;
  mongodbDatabase?: string;
  mongodbCollection?: string;
  events?: HistoryEventSink;
  logger?: Logger;
  sync?: {
    batchSize?: number;
    initialBackoffMs?: number;
    maxBackoffMs?: number;
    serverSelectionTimeoutMs?: number;
  };
}

/** Where the shared history lives; `configure()` changes it while the agent runs. */
export interface MongoConfig {
  mongodbUri?: string | undefined;
  mongodbDatabase?: string | undefined;
}

export interface HistoryServiceStatus extends HistorySyncStatus {
  /** Which backend a search made now would use. */
  backend: HistoryBackend;
  mongodbConfigured: boolean;
}

/** The settings that configure the history, with environment overrides already applied. */
export function historyOptionsFromSettings(
  settings: Settings,
): MongoConfig & Pick<HistoryServiceOptions, 'machineName'> {
  return {
    machineName: settings.machineName,
    mongodbUri: settings.history.mongodbUri,
    mongodbDatabase: settings.history.mongodbDatabase,
  };
}

/**
 * The upload history: the queue's recorder, search over MongoDB when it is configured and
 * reachable (the local index otherwise), and the outbox worker that keeps MongoDB up to date.
 */
export class HistoryService {
  readonly recorder: HistoryRecorder;
  readonly #db: DatabaseSync;
  readonly #machineName: () => string;
  readonly #local: LocalHistory;
  readonly #outbox: Outbox;
  readonly #options: HistoryServiceOptions;
  #mongo: MongoHistory | null = null;
  #worker: OutboxWorker | null = null;
  #config: { mongodbUri: string | undefined; mongodbDatabase: string } = {
    mongodbUri: undefined,
    mongodbDatabase: 'driveup',
  };
  #started = false;
  /** Changes of MongoDB settings one at a time: the old client closes before the next opens. */
  #reconfiguring: Promise<unknown> = Promise.resolve();
  readonly #events: HistoryEventSink | undefined;
  readonly #logger: Logger | undefined;

  constructor(options: HistoryServiceOptions) {
    if (options.mongodbUri) assertMongoUri(options.mongodbUri);
    const { machineName } = options;
    this.#options = options;
    this.#db = options.db;
    this.#machineName = typeof machineName === 'function' ? machineName : () => machineName;
    this.#events = options.events;
    this.#logger = options.logger;
    this.#local = new LocalHistory(options.db);
    this.#outbox = new Outbox(options.db);
    this.recorder = new HistoryRecorder(options.db, this.#local, this.#outbox, (record) =>
      this.#afterRecord(record),
    );
    this.#connectTo(options);
  }

  /** Starts copying the outbox to MongoDB (indexes are created on first contact). */
  start(): void {
    this.#started = true;
    this.#worker?.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    await this.#reconfiguring;
    await this.#disconnect();
  }

  /**
   * Uses another MongoDB (or none) from now on, as `history.mongodbUri` and `mongodbDatabase` say.
   * What the old one had not acknowledged stays in the outbox and goes to the new one.
   */
  configure(config: MongoConfig): Promise<void> {
    const run = this.#reconfiguring.then(async () => {
      const next = {
        mongodbUri: config.mongodbUri || undefined,
        mongodbDatabase: config.mongodbDatabase ?? 'driveup',
      };
      if (
        next.mongodbUri === this.#config.mongodbUri &&
        next.mongodbDatabase === this.#config.mongodbDatabase
      )
        return;
      if (next.mongodbUri) assertMongoUri(next.mongodbUri);
      await this.#disconnect();
      this.#connectTo(next);
      this.#logger?.info({ mongodb: Boolean(next.mongodbUri) }, 'history settings changed');
      if (this.#started) this.#worker?.start();
      this.#events?.emit('history.sync', this.status());
    });
    this.#reconfiguring = run.catch(() => undefined);
    return run;
  }

  async search(input: HistoryQueryInput): Promise<HistoryPage> {
    const plan = planSearch(historyQuerySchema.parse(input));
    const notInMongodb = this.#worker ? this.#outbox.counts().records : null;
    const mongo = this.#mongo;
    const worker = this.#worker;
    if (mongo && worker?.status().reachable) {
      try {
        return { backend: 'mongodb', ...(await mongo.search(plan)), notInMongodb };
      } catch (error) {
        this.#logger?.warn({ err: error }, 'history search on MongoDB failed; searching locally');
        worker.reportUnreachable(error);
      }
    }
    return { backend: 'local', ...this.#local.search(plan), notInMongodb };
  }

  /** This machine's records are local; another machine's are looked up in MongoDB. */
  async get(id: string): Promise<HistoryRecord | null> {
    const local = this.#local.get(id);
    const mongo = this.#mongo;
    const worker = this.#worker;
    if (local || !mongo || !worker?.status().reachable) return local?.record ?? null;
    try {
      return (await mongo.get(id))?.record ?? null;
    } catch (error) {
      worker.reportUnreachable(error);
      return null;
    }
  }

  /**
   * Removes this machine's records (all, or finished before a date) locally at once, and from
   * MongoDB through the outbox, in order with the upserts before it.
   */
  clear(input: HistoryClearInput = {}): { removed: number } {
    const before = historyClearSchema.parse(input).before ?? null;
    const removed = transaction(this.#db, () => {
      this.#outbox.dropUpserts(before);
      const count = this.#local.clear(before);
      if (this.#mongo) this.#outbox.enqueueClear(this.#machineName(), before);
      return count;
    });
    this.#worker?.wake();
    this.#events?.emit('history.cleared', { removed, before });
    return { removed };
  }

  /**
   * Records that this machine's upload `id` went to Drive's trash: locally at once, and in
   * MongoDB through the outbox (the record's new version). Null when no local record has that id.
   */
  markTrashed(id: string, at: Date): HistoryRecord | null {
    const stored = transaction(this.#db, () => {
      const marked = this.#local.markTrashed(id, at);
      if (marked) this.#outbox.enqueueUpsert(id);
      return marked;
    });
    if (!stored) return null;
    this.#worker?.wake();
    const { name, trashedAt } = stored.record;
    this.#events?.emit('history.trashed', { id, name, trashedAt: trashedAt ?? at });
    return stored.record;
  }

  /** This machine's own record of `id` (the one it can act on), or null. */
  localRecord(id: string): HistoryRecord | null {
    return this.#local.get(id)?.record ?? null;
  }

  status(): HistoryServiceStatus {
    if (!this.#worker) {
      const { waiting } = this.#outbox.counts();
      const off = {
        state: 'off',
        waiting,
        refused: 0,
        lastRefusal: null,
        lastError: null,
      } as const;
      return {
        ...off,
        backend: 'local',
        mongodbConfigured: false,
        lastSyncedAt: null,
        reachable: false,
        message: syncMessage(off),
      };
    }
    const sync = this.#worker.status();
    return { ...sync, backend: sync.reachable ? 'mongodb' : 'local', mongodbConfigured: true };
  }

  #connectTo(config: MongoConfig): void {
    const options = this.#options;
    this.#config = {
      mongodbUri: config.mongodbUri || undefined,
      mongodbDatabase: config.mongodbDatabase ?? 'driveup',
    };
    const uri = this.#config.mongodbUri;
    const mongo = uri
      ? new MongoHistory({
          uri,
          database: this.#config.mongodbDatabase,
          collection: options.mongodbCollection,
          serverSelectionTimeoutMs: options.sync?.serverSelectionTimeoutMs,
          onLost: (error) => {
            if (this.#mongo === mongo) this.#worker?.reportUnreachable(error);
          },
        })
      : null;
    this.#mongo = mongo;
    const worker = mongo
      ? new OutboxWorker({
          outbox: this.#outbox,
          target: mongo,
          ...options.sync,
          logger: options.logger,
          // A worker being replaced reports nothing more: its news is about the old server.
          onStatus: (status) => {
            if (this.#worker === worker) this.#events?.emit('history.sync', status);
          },
        })
      : null;
    this.#worker = worker;
  }

  /** Closing the client first ends a step waiting for an unreachable server at once. */
  async #disconnect(): Promise<void> {
    const worker = this.#worker;
    const mongo = this.#mongo;
    this.#worker = null;
    this.#mongo = null;
    await Promise.all([worker?.stop(), mongo?.close()]);
  }

  /** Try MongoDB now instead of waiting for the backoff to end. */
  retrySync(): void {
    this.#worker?.retryNow();
  }

  /** A record is committed (the recorder calls this after the commit, never before). */
  #afterRecord(record: HistoryRecord): void {
    const { id, name, status, finishedAt } = record;
    this.#events?.emit('history.recorded', { id, name, status, finishedAt });
    this.#worker?.wake();
  }
}
