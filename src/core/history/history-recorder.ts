import type { DatabaseSync } from 'node:sqlite';
import type { Job } from '../queue/job.ts';
import { transaction } from '../store/transaction.ts';
import type { HistoryRecord, RecordContext } from './history-record.ts';
import { recordFromJob } from './history-record.ts';
import type { LocalHistory } from './local-history.ts';
import type { Outbox } from './outbox.ts';

/**
 * Records finished jobs. The agent makes it a participant of the commit that finishes a job
 * (UploadQueue.finishing), so the job, its record and its outbox entry commit or roll back
 * together: synchronous SQLite work only. `onRecorded` hears of a record once it is committed.
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
    let record!: HistoryRecord;
    transaction(
      this.#db,
      () => {
        const stored = this.#local.insert(recordFromJob(job, context));
        this.#outbox.enqueueUpsert(stored.record.id);
        record = stored.record;
      },
      { afterCommit: () => this.#onRecorded(record) },
    );
    return record;
  }
}
