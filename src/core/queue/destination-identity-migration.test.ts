import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.ts';
import type { AgentEvents } from '../events/agent-events.ts';
import { openDatabase } from '../store/database.ts';
import { MIGRATIONS } from '../store/migrations.ts';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { TestUploader } from '../../../test/support/queue/test-uploader.ts';
import { UploadQueue } from './upload-queue.ts';

const tempDir = useTempDir();

describe('schema 6: the destination joins the job identity', () => {
  it('keeps jobs queued before it as they were, each for its own folder', async () => {
    const dir = await tempDir();
    const path = join(dir, 'dest.txt');
    await writeFile(path, 'sent to FolderA before the upgrade');
    const { size, mtimeMs } = await stat(path);
    const file = join(dir, 'driveup.db');
    const before = openDatabase(file, { migrations: MIGRATIONS.slice(0, 5) });
    // A job as schema 5 stored it: identified by the file alone.
    before
      .prepare(
        `INSERT INTO jobs (id, fingerprint, path, name, size, mtime_ms, mime_type, folder_path,
           source, conflict_policy, priority, state, queued_at, finished_at, updated_at,
           web_view_link, drive_file_id)
         VALUES ('old-job', ?, ?, 'dest.txt', ?, ?, 'text/plain', 'FolderA', 'cli', 'keep-both', 0,
           'done', 1, 2, 2, 'https://drive.test/old', 'drive-old')`,
      )
      .run(`${size}:${mtimeMs}:${path}`, path, size, mtimeMs);
    before.close();

    const db = openDatabase(file);
    const queue = new UploadQueue({
      db,
      bus: new EventBus<AgentEvents>(),
      uploader: new TestUploader(dir),
      concurrency: 1,
    });
    const [toA, toB] = await queue.enqueue([
      { path, folderPath: 'FolderA', source: 'cli' },
      { path, folderPath: 'FolderB', source: 'cli' },
    ]);

    expect(toA).toMatchObject({
      id: 'old-job',
      added: 'already-uploaded',
      webViewLink: 'https://drive.test/old',
    });
    expect(toB).toMatchObject({ added: 'queued', folderPath: 'FolderB', state: 'queued' });
    expect(db.prepare('PRAGMA user_version').get()).toEqual({
      user_version: MIGRATIONS.at(-1)!.version,
    });
    await queue.stop();
    db.close();
  });
});
