import { randomUUID } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { lookup } from 'mime-types';
import type { ConflictPolicy } from '../config/settings-schema.ts';
import { DiskFullError, isDiskFull } from '../store/disk-full.ts';
import { transaction } from '../store/transaction.ts';
import type { AddedJob, EnqueueStatus, PlannedFile } from './enqueue-result.ts';
import { readFileVersions } from './file-versions.ts';
import { NAMED_FILE, type FileScope } from '../drive/file-scope.ts';
import { fingerprintOf, type FileVersion } from './fingerprint.ts';
import type { Job, JobSource, JobState } from './job.ts';
import type { JobPatch } from './job-row.ts';
import type { QueueContext } from './queue-context.ts';

/**
 * Lower runs first: what a person hands over (a drop, the command line, a browser's upload) goes
 * ahead of a watch-folder backlog.
 */
export const PRIORITY: Readonly<Record<JobSource, number>> = {
  drop: 0,
  cli: 0,
  browser: 0,
  watch: 10,
};

export interface EnqueueItem {
  path: string;
  folderPath: string;
  source: JobSource;
  ruleId?: string | null;
  conflictPolicy?: ConflictPolicy;
  /** Where the file was found; a file a person named when absent. */
  scope?: FileScope;
  /** Upload again even when this file is in that folder already (under the conflict policy). */
  force?: boolean;
  /**
   * The file's size and time as the caller has just read them (the watcher's stability gate):
   * the job's version, instead of another stat. The upload checks the opened file against it.
   */
  seen?: { size: number; mtimeMs: number };
}

/** Jobs waiting their turn or under way: adding them again changes nothing. */
const WAITING: readonly JobState[] = ['queued', 'running', 'retrying'];

/**
 * Adding files: a job's identity is its file (path, size, time) and its destination, so the same
 * unchanged file for the same folder is one job (enqueue-result.ts says what adding did).
 */
export class JobIntake {
  readonly #ctx: QueueContext;
  readonly #defaultConflictPolicy: ConflictPolicy;

  constructor(ctx: QueueContext, defaultConflictPolicy: ConflictPolicy = 'keep-both') {
    this.#ctx = ctx;
    this.#defaultConflictPolicy = defaultConflictPolicy;
  }

  /**
   * Persists one job per item (one transaction for the batch) and returns them in order. Throws
   * EnqueueError, queuing nothing, when a file cannot be read, and DiskFullError when the disk is.
   */
  async enqueue(items: readonly EnqueueItem[]): Promise<AddedJob[]> {
    if (!items.length) return [];
    const versions = await versionsOf(items);
    const now = this.#ctx.clock.now();
    const queued: Job[] = [];
    let added: AddedJob[];
    try {
      added = transaction(this.#ctx.db, () =>
        items.map((item, i) => this.#enqueueOne(item, versions[i]!, now, queued)),
      );
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      throw new DiskFullError(`Nothing was queued. ${this.#ctx.diskFullReason()}`, {
        cause: error,
      });
    }
    for (const job of queued) this.#ctx.emit('job.queued', { job });
    return added;
  }

  /** What `enqueue` would do with these items, writing nothing: a dry run. */
  async plan(items: readonly EnqueueItem[]): Promise<PlannedFile[]> {
    const versions = await versionsOf(items);
    const seen = new Set<string>();
    return items.map((item, i) => {
      const version = versions[i]!;
      const fingerprint = fingerprintOf({ ...version, folderPath: item.folderPath });
      const existing = this.#ctx.jobs.byFingerprint(fingerprint) ?? null;
      const added = seen.has(fingerprint) ? 'already-queued' : statusOf(existing, item.force);
      if (added === 'queued') seen.add(fingerprint);
      const { path, name, size } = version;
      return { path, name, size, folderPath: item.folderPath, added, job: existing };
    });
  }

  #enqueueOne(item: EnqueueItem, version: FileVersion, now: number, queued: Job[]): AddedJob {
    const jobs = this.#ctx.jobs;
    const fingerprint = fingerprintOf({ ...version, folderPath: item.folderPath });
    const existing = jobs.byFingerprint(fingerprint);
    const status = statusOf(existing, item.force);
    if (existing && status !== 'queued') return { ...existing, added: status };
    const request = {
      folderPath: item.folderPath,
      source: item.source,
      ruleId: item.ruleId ?? null,
      foundIn: (item.scope ?? NAMED_FILE).foundIn,
      followLinks: (item.scope ?? NAMED_FILE).followLinks,
      conflictPolicy: item.conflictPolicy ?? this.#defaultConflictPolicy,
      priority: PRIORITY[item.source],
    };
    let job: Job;
    if (existing && existing.state !== 'done') {
      job = jobs.update(existing.id, { ...restart(), ...request }, now)!;
    } else {
      // Uploaded again on request: a new job, tagged anew in Drive, so that the earlier upload is
      // not taken for this one; the earlier job keeps its record.
      if (existing) jobs.retire(existing.id);
      job = this.#insert(version, fingerprint, request, now);
    }
    queued.push(job);
    return { ...job, added: 'queued' };
  }

  #insert(
    version: FileVersion,
    fingerprint: string,
    request: Pick<
      Job,
      'folderPath' | 'source' | 'ruleId' | 'foundIn' | 'followLinks' | 'conflictPolicy' | 'priority'
    >,
    now: number,
  ): Job {
    const at = new Date(now);
    const job: Job = {
      id: randomUUID(),
      ...version,
      md5: null,
      mimeType: lookup(version.name) || 'application/octet-stream',
      ...request,
      state: 'queued',
      attempts: 0,
      nextAttemptAt: null,
      error: null,
      errorKind: null,
      sessionUri: null,
      confirmedBytes: 0,
      driveFileId: null,
      webViewLink: null,
      queuedAt: at,
      startedAt: null,
      finishedAt: null,
      updatedAt: at,
    };
    this.#ctx.jobs.insert(job, fingerprint);
    return job;
  }
}

/**
 * Each item's version: the one its caller saw, else read from the file. A watched burst hands over
 * versions the gate has just read; reading them again went through the thread pool a few dozen at
 * a time, one event-loop turn each, and held the whole batch for most of a second under the load
 * of the burst.
 */
async function versionsOf(items: readonly EnqueueItem[]): Promise<FileVersion[]> {
  const unseen = items.filter((item) => !item.seen);
  const read = unseen.length ? await readFileVersions(unseen.map((item) => item.path)) : [];
  let next = 0;
  return items.map(({ path, seen }) => {
    if (!seen) return read[next++]!;
    const absolute = resolve(path);
    return { path: absolute, name: basename(absolute), size: seen.size, mtimeMs: seen.mtimeMs };
  });
}

function statusOf(existing: Job | null | undefined, force = false): EnqueueStatus {
  if (existing && WAITING.includes(existing.state)) return 'already-queued';
  if (existing?.state === 'done' && !force) return 'already-uploaded';
  return 'queued';
}

/** Back to the start: a fresh set of attempts and a fresh upload. */
export function restart(): JobPatch {
  return {
    state: 'queued',
    attempts: 0,
    nextAttemptAt: null,
    error: null,
    errorKind: null,
    finishedAt: null,
    sessionUri: null,
    confirmedBytes: 0,
    failingSince: null,
  };
}

export function scopeOf(job: Job): FileScope {
  const scope: FileScope = { foundIn: job.foundIn, followLinks: job.followLinks };
  // A watch rule's folder is stored with every link resolved (watch-service.ts).
  if (job.source === 'watch' && job.foundIn !== null) scope.realWhenChosen = true;
  return scope;
}
