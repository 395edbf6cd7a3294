import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishedJob } from '../../../test/history/history-fixtures.ts';
import { TestUploader } from '../../../test/support/queue/test-uploader.ts';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { EventBus } from '../events/event-bus.ts';
import type { AgentEvents } from '../agent-events.ts';
import { HistoryRecorder } from '../history/history-recorder.ts';
import { historyQuerySchema } from '../history/history-query.ts';
import { LocalHistory } from '../history/local-history.ts';
import { Outbox } from '../history/outbox.ts';
import { planSearch } from '../history/search-plan.ts';
import { openDatabase } from '../store/database.ts';
import { MIGRATIONS, openAgentDatabase } from '../migrations.ts';
import { UploadQueue } from './upload-queue.ts';

const tempDir = useTempDir();

describe('schema 8: browser uploads', () => {
  it('keeps every job and history record (found by search) and takes `browser` ones', async () => {
    const dir = await tempDir();
    const file = join(dir, 'driveup.db');
    const path = join(dir, 'before.txt');
    await writeFile(path, 'queued before the upgrade');
    const before = openDatabase(file, { migrations: MIGRATIONS.slice(0, 7) });
    const oldQueue = new UploadQueue({
      db: before,
      bus: new EventBus<AgentEvents>(),
      uploader: new TestUploader(dir),
      concurrency: 1,
    });
    const [waiting] = await oldQueue.enqueue([{ path, folderPath: 'D', source: 'cli' }]);
    // A record as schema 7 stored it (today's LocalHistory writes columns added since).
    before
      .prepare(
        `INSERT INTO history (sort_key, id, name, path, machine, folder_path, size, mime_type,
           extension, source, status, queued_at, finished_at)
         VALUES (1, 'old-record', 'plate-reader.csv', '/lab/plate-reader.csv', 'lab-pc', 'D', 3,
           'text/csv', 'csv', 'cli', 'uploaded', 1, 2)`,
      )
      .run();
    before.prepare(`INSERT INTO history_fts (rowid, words) VALUES (1, 'plate reader csv')`).run();
    const indexes = (db: typeof before) =>
      db
        .prepare(
          "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('jobs', 'history') ORDER BY name",
        )
        .all();
    const indexesBefore = indexes(before);
    await oldQueue.stop();
    before.close();

    const db = openAgentDatabase(file);
    const queue = new UploadQueue({
      db,
      bus: new EventBus<AgentEvents>(),
      uploader: new TestUploader(dir),
      concurrency: 1,
    });
    expect(queue.get(waiting!.id)).toMatchObject({ path, state: 'queued', source: 'cli' });
    const search = (words: string) =>
      new LocalHistory(db).search(planSearch(historyQuerySchema.parse({ text: words })));
    expect(search('plate').items.map((record) => record.name)).toEqual(['plate-reader.csv']);
    // Every index is rebuilt with its table (later steps may add more).
    expect(indexes(db)).toEqual(expect.arrayContaining(indexesBefore));

    const staged = join(dir, 'from-a-browser.txt');
    await writeFile(staged, 'sent by a browser');
    await stat(staged);
    const [job] = await queue.enqueue([{ path: staged, folderPath: 'D', source: 'browser' }]);
    expect(queue.get(job!.id)).toMatchObject({ source: 'browser', priority: 0 });
    new HistoryRecorder(db, new LocalHistory(db), new Outbox(db)).record(
      { ...finishedJob({ minute: 2, name: 'from-a-browser.txt' }), source: 'browser' },
      { machineName: 'lab-pc', accountEmail: null },
    );
    expect(search('browser').items.map((record) => record.source)).toEqual(['browser']);
    await queue.stop();
    db.close();
  });
});
