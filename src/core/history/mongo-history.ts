import type {
  AnyBulkWriteOperation,
  Collection,
  Filter,
  IndexDescription,
  MongoClient,
} from 'mongodb';
import type { HistoryRecord } from './history-record.ts';
import { mongodbDriver } from '../config/mongodb-driver.ts';
import { prefixTerm, termsOf } from './mongo-terms.ts';
import type { SyncTarget } from './outbox-worker.ts';
import type { SearchPlan, StoredRecord } from './search-plan.ts';
import { pageOf } from './search-plan.ts';
import { recordWords } from './search-tokens.ts';

/** A record as stored in MongoDB: the record itself, keyed by its id, plus what search needs. */
export interface HistoryDocument extends Omit<HistoryRecord, 'id'> {
  _id: string;
  sortKey: number;
  terms: string[];
}

export interface MongoHistoryOptions {
  uri: string;
  database: string;
  collection?: string;
  /** How long an operation waits for a reachable server before failing (and search goes local). */
  serverSelectionTimeoutMs?: number;
  /** The driver's monitor lost the server (even while nothing was being sent). */
  onLost?: (error: unknown) => void;
}

/**
 * Every index ends in `sortKey: -1, _id: -1`, the newest-first order, so that a filter on the
 * first field returns matches already sorted and a page stops after `limit` index entries.
 */
export const HISTORY_INDEXES: IndexDescription[] = [
  { name: 'newest', key: { sortKey: -1, _id: -1 } },
  { name: 'terms_newest', key: { terms: 1, sortKey: -1, _id: -1 } },
  { name: 'machine_newest', key: { machine: 1, sortKey: -1, _id: -1 } },
  { name: 'status_newest', key: { status: 1, sortKey: -1, _id: -1 } },
  { name: 'source_newest', key: { source: 1, sortKey: -1, _id: -1 } },
  { name: 'folder_newest', key: { folderPath: 1, sortKey: -1, _id: -1 } },
  { name: 'extension_newest', key: { extension: 1, sortKey: -1, _id: -1 } },
  { name: 'mime_type_newest', key: { mimeType: 1, sortKey: -1, _id: -1 } },
];

const NEWEST_FIRST = { sortKey: -1, _id: -1 } as const;
const WITHOUT_TERMS = { terms: 0 } as const;

/** The shared history of every machine, in one MongoDB collection. */
export class MongoHistory implements SyncTarget {
  readonly #client: MongoClient;
  readonly #collection: Collection<HistoryDocument>;
  #indexes: Promise<void> | null = null;

  constructor(options: MongoHistoryOptions) {
    this.#client = new (mongodbDriver().MongoClient)(options.uri, {
      appName: 'DriveUp',
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
    });
    this.#collection = this.#client
      .db(options.database)
      .collection<HistoryDocument>(options.collection ?? 'history');
    // A server that went away may come back without what it had (a new instance, a restored
    // volume): the indexes are made again after any loss of contact, not only once per process.
    // A pooled connection dropping is the first sign, well before the monitor's next heartbeat.
    const lost = (error: unknown) => {
      this.#indexes = null;
      options.onLost?.(error);
    };
    this.#client.on('serverHeartbeatFailed', (event) => lost(event.failure));
    this.#client.on('connectionClosed', (event) => {
      if (event.reason === 'error') lost(new Error('the connection to MongoDB was lost'));
    });
  }

  get collection(): Collection<HistoryDocument> {
    return this.#collection;
  }

  /**
   * Connects (again) and creates the indexes unless they were made since contact was last lost.
   * The driver connects on first use by itself, but after that first connection fails it answers
   * "Topology is closed" for good; an explicit connect() starts over, and is a no-op while connected.
   */
  async ensureIndexes(): Promise<void> {
    await this.#client.connect();
    this.#indexes ??= this.#collection.createIndexes(HISTORY_INDEXES).then(
      () => undefined,
      (error: unknown) => {
        this.#indexes = null;
        throw error;
      },
    );
    return this.#indexes;
  }

  async upsert(records: readonly StoredRecord[]): Promise<Map<number, string>> {
    await this.ensureIndexes();
    const operations: AnyBulkWriteOperation<HistoryDocument>[] = records.map((stored) => ({
      replaceOne: {
        filter: { _id: stored.record.id },
        replacement: documentOf(stored),
        upsert: true,
      },
    }));
    try {
      // Unordered: one refused record must not hold back the others, and order does not matter
      // because every operation names its own record.
      await this.#collection.bulkWrite(operations, { ordered: false });
      return new Map();
    } catch (error) {
      return refusedPositions(error);
    }
  }

  async clear(machine: string, before: Date | null): Promise<void> {
    await this.ensureIndexes();
    await this.#collection.deleteMany(
      before ? { machine, finishedAt: { $lt: before } } : { machine },
    );
  }

  /** First contact, or contact again after a failure: a round trip that makes the indexes anew. */
  async connect(): Promise<void> {
    this.#indexes = null;
    await this.ensureIndexes();
  }

  async search(plan: SearchPlan) {
    await this.ensureIndexes();
    const documents = await this.#collection
      .find(filterOf(plan), { projection: WITHOUT_TERMS })
      .sort(NEWEST_FIRST)
      .limit(plan.limit + 1)
      .toArray();
    return pageOf(documents.map(storedOf), plan.limit);
  }

  async get(id: string): Promise<StoredRecord | null> {
    await this.ensureIndexes();
    const document = await this.#collection.findOne({ _id: id }, { projection: WITHOUT_TERMS });
    return document ? storedOf(document) : null;
  }

  /** The query a search sends, for tests that check it is index-backed with `explain`. */
  filterOf(plan: SearchPlan): Filter<HistoryDocument> {
    return filterOf(plan);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Write errors are per record; anything else (network, auth, write concern) fails the batch. */
function refusedPositions(error: unknown): Map<number, string> {
  if (!(error instanceof mongodbDriver().MongoBulkWriteError) || error.err || !error.writeErrors)
    throw error;
  const writeErrors = [error.writeErrors].flat();
  if (writeErrors.length === 0) throw error;
  return new Map(writeErrors.map((e) => [e.index, e.errmsg ?? `error ${e.code}`]));
}

function documentOf({ record, sortKey }: StoredRecord): HistoryDocument {
  const { id, ...fields } = record;
  return { _id: id, ...fields, sortKey, terms: termsOf(recordWords(record)) };
}

function storedOf(document: Omit<HistoryDocument, 'terms'> & { terms?: string[] }): StoredRecord {
  return {
    sortKey: document.sortKey,
    record: {
      id: document._id,
      name: document.name,
      path: document.path,
      machine: document.machine,
      accountEmail: document.accountEmail ?? null,
      driveFileId: document.driveFileId ?? null,
      webViewLink: document.webViewLink ?? null,
      folderPath: document.folderPath,
      size: document.size,
      mimeType: document.mimeType,
      extension: document.extension,
      md5: document.md5 ?? null,
      source: document.source,
      ruleId: document.ruleId ?? null,
      status: document.status,
      error: document.error ?? null,
      queuedAt: document.queuedAt,
      startedAt: document.startedAt ?? null,
      finishedAt: document.finishedAt,
      durationMs: document.durationMs ?? null,
      trashedAt: document.trashedAt ?? null,
    },
  };
}

/** The same plan as LocalHistory's SQL, as a MongoDB filter. */
function filterOf(plan: SearchPlan): Filter<HistoryDocument> {
  const filter: Filter<HistoryDocument> = {};
  const and: Filter<HistoryDocument>[] = [];
  if (plan.text) {
    const prefix = prefixTerm(plan.text.prefix);
    filter.terms = { $all: [...plan.text.whole, prefix.term] };
    if (!prefix.exact) and.push({ terms: { $regex: `^${escapeRegex(plan.text.prefix)}` } });
  }
  const sortKey = sortKeyBounds(plan);
  if (sortKey) filter.sortKey = sortKey;
  if (plan.after) {
    and.push({ $or: [{ sortKey: { $lt: plan.after.sortKey } }, { _id: { $lt: plan.after.id } }] });
  }
  if (plan.statuses) filter.status = { $in: plan.statuses };
  if (plan.sources) filter.source = { $in: plan.sources };
  if (plan.machine !== null) filter.machine = plan.machine;
  if (plan.folder) {
    const { exact, below } = plan.folder;
    and.push({ $or: [{ folderPath: exact }, { folderPath: { $gte: below.gte, $lt: below.lt } }] });
  }
  if (plan.extension !== null) filter.extension = plan.extension;
  if (plan.mimeType && 'exact' in plan.mimeType) filter.mimeType = plan.mimeType.exact;
  if (plan.mimeType && 'family' in plan.mimeType) {
    filter.mimeType = { $gte: plan.mimeType.family.gte, $lt: plan.mimeType.family.lt };
  }
  if (and.length) filter.$and = and;
  return filter;
}

function sortKeyBounds(plan: SearchPlan): { $gte?: number; $lt?: number; $lte?: number } | null {
  const bounds: { $gte?: number; $lt?: number; $lte?: number } = {};
  if (plan.minKey !== null) bounds.$gte = plan.minKey;
  if (plan.maxKey !== null) bounds.$lt = plan.maxKey;
  if (plan.after) bounds.$lte = plan.after.sortKey;
  return Object.keys(bounds).length ? bounds : null;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
