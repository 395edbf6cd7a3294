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
    async ping() {},
  };
}

describe('OutboxWorker', () => {
  it('sends the records MongoDB accepts and keeps retrying only the one it refuses', async () => {
    const parts = openLocalParts(await tempDir());
    for (const name of ['a.txt', 'bad.txt', 'c.txt']) {
      parts.recorder.record(finishedJob({ minute: name.charCodeAt(0), name }), {
        machineName: 'lab-pc',
        accountEmail: null,
      });
    }
    const target = refusing('bad.txt');
    const failing = new Promise<HistorySyncStatus>((resolve) => {
      const worker = new OutboxWorker({
        outbox: parts.outbox,
        target,
        initialBackoffMs: 60_000,
        onStatus: (status) => {
          if (status.state === 'failing') void worker.stop().then(() => resolve(status));
        },
      });
      worker.start();
    });
    const status = await failing;
    expect(target.accepted).toEqual(['a.txt', 'c.txt']);
    expect(status).toMatchObject({
      waiting: 1,
      reachable: true,
      message: 'history sync failing: Document failed validation, 1 record waiting',
    });
    parts.db.close();
  });
});
