import type { DatabaseSync } from 'node:sqlite';
import type { Job } from '../queue/job.ts';
import { transaction } from '../store/transaction.ts';
import type { HistoryRecord, RecordContext } from './history-record.ts';
import { recordFromJob } from './history-record.ts';
import type { LocalHistory } from './local-history.ts';
import type { Outbox } from './outbox.ts';

/**
 * The queue's `onFinished` hook. Synchronous SQLite work only: it runs inside the transaction
 * that marks the job finished, so the job, its record and its outbox entry commit or roll back
 * together.
 */
export class HistoryRecorder {
  readonly #db: DatabaseSync;
  readonly #local: LocalHistory;
  readonly #outbox: Outbox;
  readonly #onRecorded: (record: HistoryRecord) => void;

  constructor(
    db: DatabaseSync,
    local: LocalHistory,
    outbox: Outbox,
    onRecorded: (record: HistoryRecord) => void = () => {},
  ) {
    this.#db = db;
    this.#local = local;
    this.#outbox = outbox;
    this.#onRecorded = onRecorded;
  }

  record(job: Job, context: RecordContext): HistoryRecord {
    const record = transaction(this.#db, () => {
      const stored = this.#local.insert(recordFromJob(job, context));
      this.#outbox.enqueueUpsert(stored.record.id);
      return stored.record;
    });
    this.#onRecorded(record);
    return record;
  }
}
