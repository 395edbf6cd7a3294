import { describe, expect, it } from 'vitest';
import { finishedJob } from '../../../test/history/history-fixtures.ts';
import { openLocalParts } from '../../../test/history/history-harness.ts';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { transaction } from '../store/transaction.ts';
import { historyQuerySchema } from './history-query.ts';
import type { HistoryQueryInput } from './history-query.ts';
import { planSearch } from './search-plan.ts';

const tempDir = useTempDir();
const context = { machineName: 'lab-pc', accountEmail: 'alice@example.com' };

function search(parts: ReturnType<typeof openLocalParts>, input: HistoryQueryInput = {}) {
  return parts.local.search(planSearch(historyQuerySchema.parse(input)));
}

describe('local history', () => {
  it('records every field of a finished job, with its outbox entry', async () => {
    const parts = openLocalParts(await tempDir());
    const job = finishedJob({ minute: 3, name: 'IMG_1.JPG', state: 'failed', error: 'quota' });
    const record = parts.recorder.record(job, context);
    expect(record).toEqual({
      id: job.id,
      name: 'IMG_1.JPG',
      path: job.path,
      machine: 'lab-pc',
      accountEmail: 'alice@example.com',
      driveFileId: job.driveFileId,
      webViewLink: job.webViewLink,
      folderPath: 'DriveUp/lab-pc',
      size: job.size,
      mimeType: 'text/plain',
      extension: 'jpg',
      md5: job.md5,
      source: 'drop',
      ruleId: null,
      status: 'failed',
      error: 'quota',
      queuedAt: job.queuedAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      durationMs: 2000,
      trashedAt: null,
    });
    expect(parts.local.get(job.id)?.record).toEqual(record);
    expect(parts.outbox.waiting()).toBe(1);
    parts.db.close();
  });

  it('marks a job done by skipping an identical file as skipped', async () => {
    const parts = openLocalParts(await tempDir());
    const record = parts.recorder.record(finishedJob(), { ...context, skippedIdentical: true });
    expect(record.status).toBe('skipped');
    parts.db.close();
  });

  it('refuses a job that has not finished', async () => {
    const parts = openLocalParts(await tempDir());
    expect(() => parts.recorder.record(finishedJob({ state: 'running' }), context)).toThrow(
      /only finished jobs/,
    );
    parts.db.close();
  });

  it("rolls back with the queue's transaction: no record, no outbox entry", async () => {
    const parts = openLocalParts(await tempDir());
    expect(() =>
      transaction(parts.db, () => {
        parts.recorder.record(finishedJob(), context);
        throw new Error('marking the job done failed');
      }),
    ).toThrow('marking the job done failed');
    expect(parts.local.count()).toBe(0);
    expect(parts.outbox.waiting()).toBe(0);
    parts.db.close();
  });

  it('keeps one record per job: running it again replaces the record and its words', async () => {
    const parts = openLocalParts(await tempDir());
    const job = finishedJob({ minute: 1, name: 'draft.txt' });
    parts.recorder.record({ ...job, state: 'failed', error: 'offline' }, context);
    const rerun = { ...job, name: 'final.txt', path: '/home/alice/final.txt' };
    parts.recorder.record({ ...rerun, finishedAt: new Date(Date.now()) }, context);
    expect(search(parts).items.map((r) => [r.name, r.status])).toEqual([['final.txt', 'uploaded']]);
    expect(search(parts, { text: 'draft' }).items).toEqual([]);
    expect(parts.outbox.waiting()).toBe(1);
    parts.db.close();
  });

  it('orders records finishing in the same millisecond by when they were recorded', async () => {
    const parts = openLocalParts(await tempDir());
    const names = Array.from({ length: 5 }, (_, i) => `same-ms-${i}.txt`);
    for (const name of names) parts.recorder.record(finishedJob({ minute: 1, name }), context);
    const page = search(parts, { limit: 2 });
    const rest = search(parts, { limit: 10, cursor: page.nextCursor! });
    expect([...page.items, ...rest.items].map((r) => r.name)).toEqual([...names].reverse());
    expect(new Set(rest.items.map((r) => r.finishedAt.getTime())).size).toBe(1);
    parts.db.close();
  });

  it('clears records finished before a date, with their pending outbox entries', async () => {
    const parts = openLocalParts(await tempDir());
    for (let minute = 0; minute < 4; minute++) {
      parts.recorder.record(finishedJob({ minute, name: `report-${minute}.pdf` }), context);
    }
    const before = finishedJob({ minute: 2 }).finishedAt!;
    parts.outbox.dropUpserts(before);
    expect(parts.local.clear(before)).toBe(2);
    expect(search(parts, { text: 'report' }).items.map((r) => r.name)).toEqual([
      'report-3.pdf',
      'report-2.pdf',
    ]);
    expect(parts.outbox.waiting()).toBe(2);
    expect(parts.local.clear(null)).toBe(2);
    expect(search(parts, { text: 'report' }).items).toEqual([]);
    parts.db.close();
  });

  it('finds a word in every record newest first, and a long prefix expanded to words', async () => {
    const parts = openLocalParts(await tempDir());
    transaction(parts.db, () => {
      for (let minute = 0; minute < 300; minute++) {
        const name = minute % 3 ? `experiment-${minute}.csv` : `experimental-${minute}.csv`;
        parts.recorder.record(finishedJob({ minute, name }), context);
      }
    });
    const page = search(parts, { text: 'experime', limit: 3 });
    expect(page.items.map((r) => r.name)).toEqual([
      'experiment-299.csv',
      'experiment-298.csv',
      'experimental-297.csv',
    ]);
    expect(search(parts, { text: 'experiment', limit: 200 }).items).toHaveLength(200);
    expect(search(parts, { text: 'experimentz' }).items).toEqual([]);
    parts.db.close();
  });

  it('answers a common range filter without text newest first (table-order plan)', async () => {
    const parts = openLocalParts(await tempDir());
    transaction(parts.db, () => {
      for (let minute = 0; minute < 2500; minute++) {
        const mimeType = minute % 5 ? 'image/jpeg' : 'application/pdf';
        parts.recorder.record(finishedJob({ minute, name: `f${minute}`, mimeType }), context);
      }
    });
    const page = search(parts, { mimeType: 'image/*', limit: 3 });
    expect(page.items.map((r) => r.name)).toEqual(['f2499', 'f2498', 'f2497']);
    const pdf = search(parts, { mimeType: 'application', limit: 2 });
    expect(pdf.items.map((r) => r.name)).toEqual(['f2495', 'f2490']);
    parts.db.close();
  });
});

describe('history query schema', () => {
  it('caps a page at 200 records and refuses a forged cursor', () => {
    expect(historyQuerySchema.safeParse({ limit: 201 }).success).toBe(false);
    expect(historyQuerySchema.parse({}).limit).toBe(50);
    const forged = historyQuerySchema.safeParse({ cursor: 'not-a-cursor' });
    expect(forged.error?.issues[0]?.message).toMatch(/not a cursor/);
  });
});
