import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach } from 'vitest';
import { EventBus } from '../../../src/core/events/event-bus.ts';
import type { AgentEvents } from '../../../src/core/agent-events.ts';
import type { Job } from '../../../src/core/queue/job.ts';
import type { QueueEvents } from '../../../src/core/queue/queue-events.ts';
import { UploadQueue, type UploadQueueOptions } from '../../../src/core/queue/upload-queue.ts';
import { openAgentDatabase } from '../../../src/core/migrations.ts';
import { useTempDir } from '../temp-dir.ts';
import { TestUploader } from './test-uploader.ts';

export interface QueueRig {
  dir: string;
  dbFile: string;
  db: DatabaseSync;
  bus: EventBus<AgentEvents>;
  queue: UploadQueue;
  uploader: TestUploader;
  /** Writes a real file in the rig's directory and returns its absolute path. */
  file(name: string, content?: string | Buffer): Promise<string>;
  /** Resolves with the first matching event from now on. */
  next<K extends keyof QueueEvents>(
    type: K,
    match?: (data: QueueEvents[K]) => boolean,
  ): Promise<QueueEvents[K]>;
  /** Resolves once no job is queued, running or retrying (checked after every job event). */
  idle(): Promise<void>;
  /** The same database and directory, as after a restart: a new queue over a new connection. */
  reopen(options?: RigOptions): Promise<QueueRig>;
  /**
   * A second queue over the same file while this one is left as it is, never to touch the
   * database again (its attempts stay blocked): what a restart after a crash finds.
   */
  afterCrash(options?: RigOptions): QueueRig;
  close(): Promise<void>;
}

export type RigOptions = Partial<UploadQueueOptions> & { uploader?: TestUploader };

/** A queue over a real SQLite file in a temp dir, with the TestUploader, stopped after each test. */
export function useQueueRig(): (options?: RigOptions) => Promise<QueueRig> {
  const tempDir = useTempDir();
  const open: QueueRig[] = [];
  afterEach(async () => {
    for (const rig of open.splice(0).reverse()) await rig.close();
  });
  return async (options = {}) => {
    const dir = await tempDir();
    await mkdir(join(dir, 'drive'));
    const rig = build(dir, options);
    open.push(rig);
    return rig;
  };

  function build(dir: string, options: RigOptions): QueueRig {
    const dbFile = join(dir, 'driveup.db');
    const db = openAgentDatabase(dbFile);
    const bus = new EventBus<AgentEvents>();
    const uploader = options.uploader ?? new TestUploader(join(dir, 'drive'));
    const queue = new UploadQueue({ db, bus, uploader, concurrency: 2, ...options });
    let closed = false;
    const rig: QueueRig = {
      dir,
      dbFile,
      db,
      bus,
      queue,
      uploader,
      file: async (name, content = `content of ${name}`) => {
        const path = join(dir, name);
        await writeFile(path, content);
        await stat(path);
        return path;
      },
      next: (type, match) =>
        new Promise((resolve) => {
          const off = bus.on(type, (data) => {
            if (match && !match(data)) return;
            off();
            resolve(data);
          });
        }),
      idle: () =>
        new Promise((resolve) => {
          const check = () => {
            const c = queue.counts();
            if (c.queued + c.running + c.retrying > 0) return;
            off();
            resolve();
          };
          const off = bus.subscribe((event) => {
            if (String(event.type).startsWith('job.')) check();
          });
          check();
        }),
      reopen: async (more = {}) => {
        await rig.close();
        const again = build(dir, { ...options, uploader, ...more });
        open.push(again);
        return again;
      },
      afterCrash: (more = {}) => {
        const again = build(dir, { ...options, uploader, ...more });
        open.push(again);
        return again;
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await queue.stop();
        db.close();
      },
    };
    return rig;
  }
}

export function jobOf(data: { job: Job }): Job {
  return data.job;
}
