import { lstatSync, opendirSync, statSync, type Dirent } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { OwnPaths } from '../config/own-paths.ts';
import type { SkippedPath } from '../queue/skipped-path.ts';
import type { FinishedJob } from '../pruner.ts';
import { applyAfterUpload } from './after-upload.ts';
import { FileJournal } from './file-journal.ts';
import { entryAfterOutcome, sameVersion, type Version } from './journal-decisions.ts';
import type { SubscribeFn } from './folder-watcher.ts';
import { RuleRunner } from './rule-runner.ts';
import { checkPlacement, WatchRuleError } from './rule-placement.ts';
import { RuleStore } from './rule-store.ts';
import { SkippedFiles } from './skipped-files.ts';
import { toRelative } from './relative-path.ts';
import { codeOf, messageOf } from './tree-scanner.ts';
import type { WatchEventEmitter, WatchWarningCode } from './watch-events.ts';
import {
  type WatchRule,
  type WatchRuleInput,
  watchRuleInputSchema,
  type WatchRulePatch,
  watchRulePatchSchema,
  type WatchRuleSettings,
  type WatchRuleStatus,
} from './watch-rules.ts';
import type { JobOutcomeJob, JobOutcomeType, WatchSink } from './watch-sink.ts';

export interface WatchServiceOptions {
  db: DatabaseSync;
  sink: WatchSink;
  /** `settings.machineName`; a function so a renamed machine applies to the next file. */
  machineName: string | (() => string);
  /** DriveUp's own directories: no rule may watch them. */
  protectedDirs: readonly string[];
  /** DriveUp's own files: a followed link never leads into them. */
  own?: OwnPaths;
  events?: WatchEventEmitter;
  /**
   * How many of a rule's jobs wait to be retried (the queue knows; the journal only knows they
   * were handed over): `counts.retrying`.
   */
  retryingJobs?: (ruleId: string) => number;
  /** `settings.watch.rescanIntervalSeconds` × 1000. */
  rescanIntervalMs?: number;
  folderPollMs?: number;
  platform?: NodeJS.Platform;
  subscribe?: SubscribeFn;
  readDir?: (dir: string) => Promise<Dirent[]>;
}

/** Watch folders: the rules, their runners, and what happens when their uploads finish. */
export class WatchService {
  readonly #o: WatchServiceOptions;
  readonly #store: RuleStore;
  readonly #runners = new Map<string, RuleRunner>();
  readonly #journals = new Map<string, FileJournal>();
  readonly #skipped = new Map<string, SkippedFiles>();
  readonly #work = new Set<Promise<unknown>>();
  #serial: Promise<unknown> = Promise.resolve();
  #started = false;
  #rescanIntervalMs: number;

  constructor(options: WatchServiceOptions) {
    this.#o = options;
    this.#rescanIntervalMs = options.rescanIntervalMs ?? 300_000;
    this.#store = new RuleStore(options.db);
  }

  /** Starts every enabled rule; resolves when each has scanned its folder once. */
  start(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#started) return;
      this.#started = true;
      await Promise.all(
        this.#store
          .list()
          .filter((r) => r.enabled)
          .map((r) => this.#run(r)),
      );
    });
  }

  stop(): Promise<void> {
    return this.#exclusive(async () => {
      this.#started = false;
      await Promise.all([...this.#runners.keys()].map((id) => this.#halt(id)));
      await Promise.allSettled([...this.#work]);
    });
  }

  /** `watch.rescanIntervalSeconds` changed: every running rule and every later one uses the new interval. */
  setRescanInterval(ms: number): void {
    if (ms === this.#rescanIntervalMs) return;
    this.#rescanIntervalMs = ms;
    for (const runner of this.#runners.values()) runner.setRescanInterval(ms);
  }

  listRules(): WatchRuleStatus[] {
    return this.#store.list().map((rule) => this.#status(rule));
  }

  getRule(id: string): WatchRuleStatus {
    return this.#status(this.#require(id));
  }

  /** What the rule left out and why, paths relative to its folder. */
  skippedFiles(id: string): SkippedPath[] {
    this.#require(id);
    return this.#skippedOf(id).list();
  }

  /**
   * Adds a rule. A folder that does not exist is refused (most often a typo) unless
   * `allowMissing`: then the rule waits for it to appear (a disk not mounted yet).
   */
  addRule(
    input: WatchRuleInput,
    options: { allowMissing?: boolean } = {},
  ): Promise<WatchRuleStatus> {
    return this.#exclusive(async () => {
      const settings = await withRealFolder(normalize(watchRuleInputSchema.parse(input)));
      await this.#checkPlacement(settings, null);
      if (!options.allowMissing) await requireFolder(settings.folder);
      const rule = this.#store.insert(settings);
      if (rule.enabled && this.#started) await this.#run(rule);
      return this.#status(rule);
    });
  }

  updateRule(id: string, patch: WatchRulePatch): Promise<WatchRuleStatus> {
    return this.#exclusive(async () => {
      const current = this.#require(id);
      const changes = watchRulePatchSchema.parse(patch);
      const merged = { ...settingsOf(current), ...changes };
      let settings = normalize(watchRuleInputSchema.parse(merged));
      if (changes.folder !== undefined) settings = await withRealFolder(settings);
      await this.#checkPlacement(settings, id);
      const rule: WatchRule = { ...current, ...settings, updatedAt: new Date() };
      await this.#halt(id);
      this.#store.replace(rule);
      // Journal paths are relative to the folder: for another folder they mean other files.
      if (rule.folder !== current.folder) this.#clearJournal(id);
      if (rule.enabled && this.#started) await this.#run(rule);
      else this.#emitState(rule.id, 'paused', null);
      return this.#status(rule);
    });
  }

  pauseRule(id: string): Promise<WatchRuleStatus> {
    return this.updateRule(id, { enabled: false });
  }

  resumeRule(id: string): Promise<WatchRuleStatus> {
    return this.updateRule(id, { enabled: true });
  }

  removeRule(id: string): Promise<void> {
    return this.#exclusive(async () => {
      this.#require(id);
      await this.#halt(id);
      this.#store.delete(id);
      this.#journals.delete(id);
      this.#skipped.delete(id);
      this.#emitState(id, 'removed', null);
    });
  }

  /** Scans one rule's folder (or every running rule's) now, as the periodic rescan would. */
  async rescan(id?: string): Promise<void> {
    const runners = id ? [this.#runners.get(id)] : [...this.#runners.values()];
    await Promise.all(runners.map((runner) => runner?.rescan()));
  }

  /** Resolves once no file of the rule (or of any rule) waits in the stability gate or for the queue. */
  async whenIdle(id?: string): Promise<void> {
    const runners = id ? [this.#runners.get(id)] : [...this.#runners.values()];
    await Promise.all(runners.map((runner) => runner?.whenIdle()));
  }

  /**
   * A job of a watch rule finished (done, failed for good, or cancelled): the journal remembers
   * it. A participant of the commit that finishes the job (the agent registers it, see
   * UploadQueue.finishing): the journal entry commits with the job, so no crash can leave one
   * without the other, and no race with the hand-over of the file can undo it (the runner keeps an
   * outcome already recorded for the job it was given). The after-upload action (move, delete)
   * runs once that commit is over; the promise returned settles when it has.
   */
  handleJobOutcome(type: JobOutcomeType, job: JobOutcomeJob): Promise<void> {
    if (job.source !== 'watch' || !job.ruleId) return Promise.resolve();
    const rule = this.#store.get(job.ruleId);
    const path = rule && toRelative(rule.folder, job.path);
    if (!rule || !path) return Promise.resolve();
    const journal = this.#journal(rule.id);
    // A job may finish before its hand-over is recorded: its outcome is judged against the
    // version handed over, not the earlier one the settling entry holds (else it was lost).
    const runner = this.#runners.get(rule.id);
    const entry = runner ? runner.entryBeingHandedOver(path) : journal.get(path);
    const after = Promise.withResolvers<void>();
    journal.write([entryAfterOutcome(entry, type, job, path)], () => {
      if (type !== 'job.done' || rule.afterUpload.action === 'keep') return after.resolve();
      after.resolve(this.#track(this.#afterUpload(rule, path, job)));
    });
    return after.promise;
  }

  /**
   * The finished jobs among these that must not be pruned yet: a job whose file still has the
   * job's version while the rule's journal does not record that version (the agent stopped
   * between the queue taking the file and the journal saying so). Such a job is what makes the
   * queue answer the file's next offer with "already uploaded"; once the journal records the
   * version, the journal alone keeps the file from being uploaded again. While a rule's folder is
   * missing (a disk not mounted) its jobs all stay: nothing can be known of its files.
   */
  jobsStillNeeded(jobs: readonly FinishedJob[]): Set<string> {
    const needed = new Set<string>();
    const folderThere = new Map<string, boolean>();
    const rules = new Map<string, WatchRule | null>();
    for (const job of jobs) {
      if (job.source !== 'watch' || !job.ruleId) continue;
      if (!rules.has(job.ruleId)) {
        rules.set(job.ruleId, this.#runners.get(job.ruleId)?.rule ?? this.#store.get(job.ruleId));
      }
      const rule = rules.get(job.ruleId);
      // A removed rule's journal is gone, and so is that of a rule now watching another folder.
      if (!rule || rule.folder !== job.foundIn) continue;
      const path = toRelative(rule.folder, job.path);
      if (!path) continue;
      let there = folderThere.get(rule.id);
      if (there === undefined) folderThere.set(rule.id, (there = isFolderNow(rule.folder)));
      if (!there) {
        needed.add(job.id);
        continue;
      }
      const now = versionNow(job.path);
      if (
        now === 'unknown' ||
        (now && sameVersion(now, job) && !this.#journal(rule.id).covers(path, job))
      )
        needed.add(job.id);
    }
    return needed;
  }

  /**
   * Forgets the journal entries of files that scans found gone before `before` and that are still
   * gone, in rules whose folder is there now; returns how many. A file that comes back after that,
   * unchanged, is uploaded again.
   *
   * An empty folder where files were is what an unmounted disk or share looks like (its mount
   * point stays, empty): files whose nearest remaining folder is empty are never forgotten, since
   * forgetting them would upload them all again once the disk is back, unless the rule's own
   * after-upload action moved or deleted them (an inbox folder is empty most of the time). The
   * check of each file and its removal happen in one turn of the event loop, so no event of the
   * watcher falls between.
   */
  async forgetMissing(before: number): Promise<number> {
    let forgotten = 0;
    for (const rule of this.#store.list()) {
      if (!isFolderNow(rule.folder)) continue;
      const journal = this.#journal(rule.id);
      const occupied = new Map<string, boolean | undefined>();
      const gone = journal
        .missingBefore(before)
        .filter(
          ({ path, removedAfterUpload }) =>
            versionNow(join(rule.folder, ...path.split('/'))) === null &&
            (removedAfterUpload || nearestFolderHasEntries(rule.folder, path, occupied)),
        )
        .map(({ path }) => path);
      journal.remove(gone);
      forgotten += gone.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return forgotten;
  }

  async #afterUpload(rule: WatchRule, path: string, job: JobOutcomeJob): Promise<void> {
    try {
      // The durability rule, in this one place: the commit that finished the job did not wait for
      // the disk (the queue spares every upload that fsync; a power cut can only make the job
      // upload again, found by its Drive tag). A local file is about to be moved or deleted, which
      // nothing could undo, so the journal's record of the upload must be on disk first: a
      // durable commit here makes that one durable too (one fsync of the write-ahead log).
      this.#journal(rule.id).syncDurably();
      const result = await applyAfterUpload(rule.afterUpload, job.path, path, job);
      if (result.done === 'skipped' && result.warn) {
        this.#warn(rule.id, 'after-upload-failed', result.reason, path);
      }
      if ((result.done === 'deleted' || result.done === 'moved') && this.#store.get(rule.id)) {
        this.#journal(rule.id).noteRemovedAfterUpload(path, Date.now());
      }
    } catch (error) {
      const action = rule.afterUpload.action;
      this.#warn(
        rule.id,
        'after-upload-failed',
        `Could not ${action} ${job.path}: ${messageOf(error)}`,
        path,
      );
    }
  }

  async #run(rule: WatchRule): Promise<void> {
    const runner = new RuleRunner({
      rule,
      journal: this.#journal(rule.id),
      skipped: this.#skippedOf(rule.id),
      own: this.#o.own,
      sink: this.#o.sink,
      machineName: () => machineNameOf(this.#o.machineName),
      rescanIntervalMs: this.#rescanIntervalMs,
      folderPollMs: this.#o.folderPollMs ?? 2_000,
      onState: (state, reason) => this.#emitState(rule.id, state, reason),
      onWarning: (code, message, path) => this.#warn(rule.id, code, message, path),
      platform: this.#o.platform,
      subscribe: this.#o.subscribe,
      readDir: this.#o.readDir,
    });
    this.#runners.set(rule.id, runner);
    await runner.start();
  }

  async #halt(id: string): Promise<void> {
    const runner = this.#runners.get(id);
    this.#runners.delete(id);
    await runner?.stop();
  }

  async #checkPlacement(settings: WatchRuleSettings, id: string | null): Promise<void> {
    await checkPlacement(settings, {
      others: this.#store.list().filter((rule) => rule.id !== id),
      protectedDirs: this.#o.protectedDirs,
      platform: this.#o.platform,
    });
  }

  #status(rule: WatchRule): WatchRuleStatus {
    const runner = this.#runners.get(rule.id);
    const counts = this.#journal(rule.id).counts();
    // Handed to the queue: queued, running, or waiting for another attempt.
    const retrying = Math.min(counts.queued, this.#o.retryingJobs?.(rule.id) ?? 0);
    return {
      rule,
      state: runner?.state ?? (rule.enabled ? 'scanning' : 'paused'),
      reason: runner?.reason ?? null,
      counts: {
        seen: counts.total,
        pending: runner?.pending ?? 0,
        queued: counts.queued - retrying,
        retrying,
        uploaded: counts.uploaded,
        failed: counts.failed,
        cancelled: counts.cancelled,
        skipped: this.#skippedOf(rule.id).size,
      },
    };
  }

  #journal(ruleId: string): FileJournal {
    let journal = this.#journals.get(ruleId);
    if (!journal) {
      journal = new FileJournal(this.#o.db, ruleId);
      this.#journals.set(ruleId, journal);
    }
    return journal;
  }

  #skippedOf(ruleId: string): SkippedFiles {
    let skipped = this.#skipped.get(ruleId);
    if (!skipped) {
      skipped = new SkippedFiles(this.#o.db, ruleId);
      this.#skipped.set(ruleId, skipped);
    }
    return skipped;
  }

  #clearJournal(ruleId: string): void {
    this.#o.db.prepare('DELETE FROM watch_journal WHERE rule_id = ?').run(ruleId);
    this.#journals.delete(ruleId);
    this.#skippedOf(ruleId).clear();
  }

  #require(id: string): WatchRule {
    const rule = this.#store.get(id);
    if (!rule) throw new WatchRuleError('not-found', `There is no watch rule ${id}.`);
    return rule;
  }

  #emitState(ruleId: string, state: WatchRuleStatus['state'] | 'removed', reason: string | null) {
    this.#o.events?.emit('watch.rule', { ruleId, state, reason });
  }

  #warn(ruleId: string, code: WatchWarningCode, message: string, path?: string): void {
    this.#o.events?.emit('watch.warning', { ruleId, code, message, ...(path ? { path } : {}) });
  }

  /** Rule changes one at a time, so two overlapping rules cannot both pass the overlap check. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#serial.then(fn);
    this.#serial = result.catch(() => undefined);
    return result;
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work)).catch(() => undefined);
    return work;
  }
}

function isFolderNow(folder: string): boolean {
  try {
    return statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/**
 * Whether the nearest folder that still exists above `path` (relative to `root`, which exists)
 * holds anything; answers are cached per folder for one pass.
 */
function nearestFolderHasEntries(
  root: string,
  path: string,
  cache: Map<string, boolean | undefined>,
): boolean {
  let dir = path;
  while (dir.includes('/')) {
    dir = dir.slice(0, dir.lastIndexOf('/'));
    if (!cache.has(dir)) cache.set(dir, folderHasEntries(join(root, ...dir.split('/'))));
    const known = cache.get(dir);
    if (known !== undefined) return known;
  }
  if (!cache.has('')) cache.set('', folderHasEntries(root) ?? false);
  return cache.get('') ?? false;
}

/** undefined when `dir` is not a folder (gone, or a file now): the caller looks further up. */
function folderHasEntries(dir: string): boolean | undefined {
  let handle;
  try {
    handle = opendirSync(dir);
  } catch (error) {
    const code = codeOf(error);
    // Unreadable is not empty, but nothing can be known of it: keep what is there.
    return code === 'ENOENT' || code === 'ENOTDIR' ? undefined : false;
  }
  try {
    return handle.readSync() !== null;
  } finally {
    handle.closeSync();
  }
}

/** The file's size and time now; null when it is gone; 'unknown' when it cannot be looked at. */
function versionNow(path: string): Version | null | 'unknown' {
  try {
    const found = lstatSync(path, { throwIfNoEntry: false });
    return found?.isFile() ? { size: found.size, mtimeMs: found.mtimeMs } : null;
  } catch (error) {
    return codeOf(error) === 'ENOTDIR' ? null : 'unknown';
  }
}

async function requireFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (!info) throw new WatchRuleError('folder-missing', `${folder} does not exist.`);
  if (!info.isDirectory()) throw new WatchRuleError('folder-missing', `${folder} is not a folder.`);
}

function normalize(settings: WatchRuleSettings): WatchRuleSettings {
  const afterUpload =
    settings.afterUpload.action === 'move'
      ? { action: 'move' as const, folder: resolve(settings.afterUpload.folder) }
      : settings.afterUpload;
  return { ...settings, folder: resolve(settings.folder), afterUpload };
}

/**
 * The rule's folder with every link resolved, as the uploads will check it (FileScope's
 * `realWhenChosen`): if that name later becomes a link, the folder was replaced. A folder not
 * there yet (a disk not mounted) is kept as written.
 */
async function withRealFolder(settings: WatchRuleSettings): Promise<WatchRuleSettings> {
  const folder = await realpath(settings.folder).catch(() => settings.folder);
  return { ...settings, folder };
}

function settingsOf(rule: WatchRule): WatchRuleSettings {
  const { id: _id, createdAt: _created, updatedAt: _updated, ...settings } = rule;
  return settings;
}

function machineNameOf(name: string | (() => string)): string {
  return typeof name === 'function' ? name() : name;
}
