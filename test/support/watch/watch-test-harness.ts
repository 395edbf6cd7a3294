// Test support for the watch area (imported by *.test.ts only).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { EventBus } from '../../../src/core/events/event-bus.ts';
import { openAgentDatabase } from '../../../src/core/migrations.ts';
import type { WatchEvents } from '../../../src/core/watch/watch-events.ts';
import { WatchService, type WatchServiceOptions } from '../../../src/core/watch/watch-service.ts';
import type { WatchRuleState } from '../../../src/core/watch/watch-rules.ts';
import type {
  JobOutcomeJob,
  JobOutcomeType,
  WatchQueueItem,
  WatchSink,
} from '../../../src/core/watch/watch-sink.ts';

export type TestEvents = WatchEvents & Record<JobOutcomeType, { job: JobOutcomeJob }>;

interface Waiter {
  done: (items: readonly QueuedItem[]) => boolean;
  resolve: () => void;
}

export interface QueuedItem extends WatchQueueItem {
  jobId: string;
  /** The file's size when it was handed over: proves it was queued after it stopped changing. */
  sizeAtEnqueue: number;
}

/** Stands in for the upload queue: records what arrives, and lets a test wait for it. */
export class RecordingSink implements WatchSink {
  readonly items: QueuedItem[] = [];
  #next = 1;
  #waiters: Waiter[] = [];

  async enqueue(items: WatchQueueItem[]): Promise<Array<{ jobId: string }>> {
    const queued = items.map((item) => ({
      ...item,
      jobId: `job-${this.#next++}`,
      sizeAtEnqueue: statSync(item.path).size,
    }));
    this.items.push(...queued);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.done(this.items)) return true;
      waiter.resolve();
      return false;
    });
    return queued.map(({ jobId }) => ({ jobId }));
  }

  /** Resolves once `done` holds for everything received so far. */
  waitUntil(done: (items: readonly QueuedItem[]) => boolean): Promise<void> {
    if (done(this.items)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ done, resolve }));
  }

  waitForPath(path: string, times = 1): Promise<void> {
    return this.waitUntil((items) => items.filter((i) => i.path === path).length >= times);
  }

  countOf(path: string): number {
    return this.items.filter((item) => item.path === path).length;
  }
}

/** The job the queue would report once it uploaded `item` as the file now is. */
export function finishedJob(
  item: QueuedItem,
  overrides: Partial<JobOutcomeJob> = {},
): JobOutcomeJob {
  const stats = statSync(item.path);
  return {
    id: item.jobId,
    path: item.path,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    md5: createHash('md5').update(readFileSync(item.path)).digest('hex'),
    driveFileId: `drive-${item.jobId}`,
    ruleId: item.ruleId,
    source: 'watch',
    ...overrides,
  };
}

export interface Harness {
  db: DatabaseSync;
  dbFile: string;
  bus: EventBus<TestEvents>;
  sink: RecordingSink;
  service: WatchService;
  /** Resolves once the rule is (or becomes) in `state`. */
  waitForState(ruleId: string, state: WatchRuleState): Promise<void>;
  /** A new service on the same database, as after a restart of DriveUp. */
  restart(): Promise<WatchService>;
  close(): Promise<void>;
}

export function createHarness(
  dataDir: string,
  overrides: Partial<WatchServiceOptions> = {},
): Harness {
  const dbFile = join(dataDir, 'driveup.db');
  let db = openAgentDatabase(dbFile);
  const bus = new EventBus<TestEvents>();
  const sink = new RecordingSink();
  const make = () =>
    new WatchService({
      db,
      sink,
      machineName: 'lab-pc',
      protectedDirs: [dataDir],
      events: bus,
      rescanIntervalMs: 60_000,
      folderPollMs: 100,
      ...overrides,
    });
  // What the agent does in the commit that finishes a job (UploadQueue.finishing): the tests
  // announce outcomes on the bus instead of running a queue.
  for (const type of ['job.done', 'job.failed', 'job.cancelled'] as const) {
    bus.on(type, ({ job }) => void harness.service.handleJobOutcome(type, job));
  }
  const harness: Harness = {
    db,
    dbFile,
    bus,
    sink,
    service: make(),
    waitForState(ruleId, state) {
      return new Promise((resolve) => {
        const stop = bus.on('watch.rule', (event) => {
          if (event.ruleId === ruleId && event.state === state) {
            stop();
            resolve();
          }
        });
        if (harness.service.getRule(ruleId).state === state) {
          stop();
          resolve();
        }
      });
    },
    async restart() {
      await harness.service.stop();
      db.close();
      db = openAgentDatabase(dbFile);
      harness.db = db;
      harness.service = make();
      await harness.service.start();
      return harness.service;
    },
    async close() {
      await harness.service.stop();
      db.close();
    },
  };
  return harness;
}
