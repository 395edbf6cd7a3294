import { describe, expect, it } from 'vitest';
import { finishedJob } from '../../../test/history/history-fixtures.ts';
import { openLocalParts } from '../../../test/history/history-harness.ts';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import type { HistorySyncStatus, SyncTarget } from './outbox-worker.ts';
import { OutboxWorker } from './outbox-worker.ts';
import type { StoredRecord } from './search-plan.ts';

const tempDir = useTempDir();

/** A target that refuses one record by name, and keeps what it accepted. */
function refusing(name: string): SyncTarget & { accepted: string[] } {
  const accepted: string[] = [];
  return {
    accepted,
    async upsert(records: readonly StoredRecord[]) {
      const refused = new Map<number, string>();
      records.forEach((stored, index) => {
        if (stored.record.name === name) refused.set(index, 'Document failed validation');
        else accepted.push(stored.record.name);
      });
      return refused;
    },
    async clear() {},
    async connect() {},
  };
}

/** Runs a worker until a status passes `until`, then stops it and returns that status. */
function runUntil(
  worker: (onStatus: (status: HistorySyncStatus) => void) => OutboxWorker,
  until: (status: HistorySyncStatus) => boolean,
): Promise<HistorySyncStatus> {
  return new Promise((resolve) => {
    const running = worker((status) => {
      if (until(status)) void running.stop().then(() => resolve(status));
    });
    running.start();
  });
}

describe('OutboxWorker', () => {
  it('sets a refused record aside, counts it with the reason, and sends the rest', async () => {
    const parts = openLocalParts(await tempDir());
    for (const name of ['a.txt', 'bad.txt', 'c.txt']) {
      parts.recorder.record(finishedJob({ minute: name.charCodeAt(0), name }), {
        machineName: 'lab-pc',
        accountEmail: null,
      });
    }
    const target = refusing('bad.txt');
    const newWorker = (onStatus: (status: HistorySyncStatus) => void) =>
      new OutboxWorker({ outbox: parts.outbox, target, initialBackoffMs: 60_000, onStatus });
    const status = await runUntil(newWorker, (s) => s.state === 'idle');
    expect(target.accepted).toEqual(['a.txt', 'c.txt']);
    expect(status).toMatchObject({
      waiting: 0,
      refused: 1,
      lastRefusal: 'Document failed validation',
      reachable: true,
      lastError: null,
      message:
        'history in sync with MongoDB; 1 record refused by MongoDB (last: Document failed validation)',
    });
    expect(parts.outbox.counts()).toEqual({ waiting: 0, refused: 1, records: 1 });

    // The next start tries it once more: here MongoDB takes it.
    const accepting = refusing('nothing');
    const again = await runUntil(
      (onStatus) => new OutboxWorker({ outbox: parts.outbox, target: accepting, onStatus }),
      (s) => s.state === 'idle',
    );
    expect(accepting.accepted).toEqual(['bad.txt']);
    expect(again).toMatchObject({ refused: 0, lastRefusal: null, waiting: 0 });
    parts.db.close();
  });

  it('is not reachable, and says it is connecting, before its first round trip', async () => {
    const parts = openLocalParts(await tempDir());
    let answer!: () => void;
    const target: SyncTarget = {
      upsert: async () => new Map(),
      clear: async () => {},
      connect: () => new Promise<void>((resolve) => (answer = resolve)),
    };
    const statuses: HistorySyncStatus[] = [];
    const worker = new OutboxWorker({
      outbox: parts.outbox,
      target,
      onStatus: (s) => statuses.push(s),
    });
    worker.start();
    expect(worker.status()).toMatchObject({ state: 'connecting', reachable: false });
    expect(worker.status().message).toBe('connecting to MongoDB, 0 records waiting');
    answer();
    await worker.stop();
    expect(statuses.at(-1)).toMatchObject({ state: 'idle', reachable: true });
    parts.db.close();
  });
});
