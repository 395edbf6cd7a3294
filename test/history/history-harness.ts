import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { HistoryRecorder } from '../../src/core/history/history-recorder.ts';
import { LocalHistory } from '../../src/core/history/local-history.ts';
import { Outbox } from '../../src/core/history/outbox.ts';
import type { HistorySyncStatus, SyncTarget } from '../../src/core/history/outbox-worker.ts';
import { OutboxWorker } from '../../src/core/history/outbox-worker.ts';
import { openAgentDatabase } from '../../src/core/migrations.ts';

export interface LocalParts {
  db: DatabaseSync;
  local: LocalHistory;
  outbox: Outbox;
  recorder: HistoryRecorder;
}

export function openLocalParts(dir: string): LocalParts {
  const db = openAgentDatabase(join(dir, 'driveup.db'));
  const local = new LocalHistory(db);
  const outbox = new Outbox(db);
  return { db, local, outbox, recorder: new HistoryRecorder(db, local, outbox) };
}

/** Runs a worker until the outbox is empty and acknowledged, then stops it. */
export async function drainOutbox(outbox: Outbox, target: SyncTarget): Promise<void> {
  let done!: () => void;
  const idle = new Promise<void>((resolve) => (done = resolve));
  const worker = new OutboxWorker({
    outbox,
    target,
    initialBackoffMs: 10,
    maxBackoffMs: 50,
    onStatus: (status) => status.state === 'idle' && done(),
  });
  worker.start();
  await idle;
  await worker.stop();
}

/** Resolves with the first status `predicate` accepts, from a stream of sync statuses. */
export function statusWhere(
  subscribe: (listener: (status: HistorySyncStatus) => void) => void,
  predicate: (status: HistorySyncStatus) => boolean,
): Promise<HistorySyncStatus> {
  return new Promise((resolve) => subscribe((status) => predicate(status) && resolve(status)));
}
