import type { Dirent } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OwnPaths } from '../config/own-paths.ts';
import type { SkippedPath } from '../queue/skipped-path.ts';
import { inspectEntry, type LinkPolicy, type Sighting } from './entry-inspector.ts';
import { expandDestination } from './destination-template.ts';
import type { FileJournal, JournalEntry } from './file-journal.ts';
import {
  type FolderChange,
  type FolderWatch,
  nativeBackend,
  type SubscribeFn,
  watchFolder,
  watchLimitMessage,
} from './folder-watcher.ts';
import { createPathFilter, type PathFilter } from './ignore-rules.ts';
import { hasOutcomeFor, isHandled, sameVersion } from './journal-decisions.ts';
import { type FileVersion, StabilityGate } from './stability-gate.ts';
import { toRelative } from './relative-path.ts';
import type { SkippedFiles } from './skipped-files.ts';
import { messageOf, scanTree, type ScanResult } from './tree-scanner.ts';
import type { WatchWarningCode } from './watch-events.ts';
import type { WatchRule, WatchRuleState } from './watch-rules.ts';
import type { WatchQueueItem, WatchSink } from './watch-sink.ts';

export interface RuleRunnerOptions {
  rule: WatchRule;
  journal: FileJournal;
  /** What the rule leaves out (links, FIFOs, DriveUp's own files), with the reason. */
  skipped: SkippedFiles;
  /** DriveUp's own files: a followed link never leads into them. */
  own?: OwnPaths | undefined;
  sink: WatchSink;
  machineName: () => string;
  rescanIntervalMs: number;
  /** How often the folder itself is checked (deleted, unmounted, replaced, back). */
  folderPollMs: number;
  onState: (state: WatchRuleState, reason: string | null) => void;
  onWarning: (code: WatchWarningCode, message: string, path?: string) => void;
  platform?: NodeJS.Platform;
  subscribe?: SubscribeFn;
  readDir?: (dir: string) => Promise<Dirent[]>;
}

interface FolderIdentity {
  dev: number;
  ino: number;
}

const STAT_BATCH = 256;
const REWATCH_DEBOUNCE_MS = 300;
/** A burst big enough that the OS may have dropped events (its queue overflows silently). */
const BURST_EVENTS = 256;
const BURST_QUIET_MS = 1000;
const BURST_MAX_WAIT_MS = 10_000;

/**
 * Runs one enabled rule: the OS watcher wakes it, the journal scan is the truth, the stability
 * gate decides when a file is finished, and the sink receives each new version exactly once.
 */
export class RuleRunner {
  readonly rule: WatchRule;
  readonly #o: RuleRunnerOptions;
  readonly #filter: PathFilter;
  #state: WatchRuleState = 'scanning';
  #reason: string | null = null;
  #gate: StabilityGate | undefined;
  #watch: FolderWatch | undefined;
  #watchProblem: string | null = null;
  #identity: FolderIdentity | null = null;
  #timers: NodeJS.Timeout[] = [];
  #rescanTimer: NodeJS.Timeout | undefined;
  #rescanIntervalMs: number;
  #scanning: Promise<void> | undefined;
  #scanAgain = false;
  #checkingFolder = false;
  #stopped = false;
  /** Versions handed to the sink and not yet answered: seen again, they are not offered twice. */
  readonly #enqueueing = new Map<string, FileVersion & { handing: Promise<void> }>();
  readonly #work = new Set<Promise<unknown>>();
  #sinkFailing = false;
  #rewatchTimer: NodeJS.Timeout | undefined;
  #eventsSinceScan = 0;
  #burstTimer: NodeJS.Timeout | undefined;
  #burstSince = 0;
  #links: LinkPolicy;

  constructor(options: RuleRunnerOptions) {
    this.rule = options.rule;
    this.#o = options;
    this.#rescanIntervalMs = options.rescanIntervalMs;
    this.#filter = createPathFilter(options.rule);
    const root = options.rule.folder;
    this.#links = {
      root,
      realRoot: root,
      followLinks: options.rule.followSymlinks,
      own: options.own,
    };
  }

  get state(): WatchRuleState {
    return this.#state;
  }

  get reason(): string | null {
    return this.#reason;
  }

  get pending(): number {
    return (this.#gate?.size ?? 0) + this.#enqueueing.size;
  }

  /**
   * Resolves once the first scan is done (or the folder was found missing). The folder is polled
   * only from then on: a poll during the first attach found no identity yet, called the folder
   * missing and attached a second time, leaving a stability gate nobody waited for or stopped.
   */
  async start(): Promise<void> {
    this.setRescanInterval(this.#rescanIntervalMs);
    await this.#track(this.#attach());
    if (this.#stopped) return;
    this.#timers.push(
      setInterval(() => void this.#track(this.#checkFolder()), this.#o.folderPollMs),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    clearInterval(this.#rescanTimer);
    clearTimeout(this.#rewatchTimer);
    clearTimeout(this.#burstTimer);
    this.#gate?.stop();
    await Promise.allSettled([...this.#work]);
    await this.#closeWatch();
  }

  /** `watch.rescanIntervalSeconds` changed: the next periodic rescan is one new interval from now. */
  setRescanInterval(ms: number): void {
    this.#rescanIntervalMs = ms;
    clearInterval(this.#rescanTimer);
    if (this.#stopped) return;
    this.#rescanTimer = setInterval(() => void this.#track(this.rescan()), ms);
  }

  /** A full reconciliation of the tree with the journal. Calls made during a scan run it once more. */
  rescan(): Promise<void> {
    if (this.#stopped || this.#state === 'folder-missing') return Promise.resolve();
    if (this.#scanning) {
      this.#scanAgain = true;
      return this.#scanning;
    }
    this.#scanning = this.#scanUntilQuiet().finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  absolutePath(path: string): string {
    return join(this.rule.folder, ...path.split('/'));
  }

  async #scanUntilQuiet(): Promise<void> {
    do {
      this.#scanAgain = false;
      await this.#scanOnce();
    } while (this.#scanAgain && !this.#stopped);
  }

  async #scanOnce(): Promise<void> {
    if (!this.#watch) await this.#openWatch();
    if (this.#stopped) return;
    this.#setState('scanning', null);
    this.#eventsSinceScan = 0;
    const result = await this.#scan('');
    if (this.#stopped || this.#state === 'folder-missing') return;
    if (result.missing) return this.#detach();
    this.#setState(this.#watch ? 'watching' : 'error', this.#watchProblem);
  }

  async #scan(from: string): Promise<{ missing: boolean; subfolders: number }> {
    const result = await scanTree({
      root: this.rule.folder,
      from,
      recursive: this.rule.recursive,
      filter: this.#filter,
      links: await this.#refreshLinkPolicy(),
      onWarning: (w) => this.#o.onWarning('unreadable', w.message, w.path),
      readDir: this.#o.readDir,
    });
    if (!this.#stopped && !result.missing) {
      this.#reconcile(result, from);
      this.#reconcileSkipped(result.skipped, from);
    }
    return result;
  }

  /**
   * The rule's folder is resolved once per scan (not per file: the gate stats every pending file),
   * and a followed link's target is judged against that; a folder moved in between is seen by the
   * next scan, and the uploader checks the opened file against the folder again anyway.
   */
  async #refreshLinkPolicy(): Promise<LinkPolicy> {
    const root = this.rule.folder;
    this.#links = {
      root,
      realRoot: await realpath(root).catch(() => root),
      followLinks: this.rule.followSymlinks,
      own: this.#o.own,
    };
    return this.#links;
  }

  /** Skips found under `from` are recorded (and said once); the ones not found any more go. */
  #reconcileSkipped(skipped: SkippedPath[], from: string): void {
    const found = new Set(skipped.map((s) => s.path));
    const gone = [...this.#o.skipped.paths()].filter((p) => isUnder(p, from) && !found.has(p));
    this.#o.skipped.remove(gone);
    this.#noteSkipped(skipped);
  }

  #noteSkipped(skipped: SkippedPath[]): void {
    for (const s of this.#o.skipped.record(skipped)) {
      this.#o.onWarning('skipped', s.message, s.path);
    }
  }

  /**
   * Compares a scanned tree (or subtree) with the journal in memory; writes only differences.
   * Files still settling that are gone are forgotten at once; the memory of uploads is what
   * prevents duplicates, so an uploaded file that is gone is only noted as missing (and forgotten
   * once gone for long: see WatchService.forgetMissing).
   */
  #reconcile({ files, unreadable }: ScanResult, from: string): void {
    const journal = this.#o.journal;
    const firstSeen: JournalEntry[] = [];
    let known = 0;
    for (const file of files) if (this.#consider(file, firstSeen)) known++;
    // A scan lists each path once: when it found every path the journal holds, none is gone and
    // any noted missing is back. So a rescan of an unchanged tree ends here, without building a
    // set of all it found and checking each entry against it (~6% of its instructions).
    if (from === '' && known === journal.size) {
      journal.write(firstSeen);
      journal.notePresent([...journal.missingPaths()]);
      return;
    }
    const found = new Set(files.map((file) => file.path));
    const vanished: string[] = [];
    const missing: string[] = [];
    for (const entry of journal.entries()) {
      if (found.has(entry.path) || !isUnder(entry.path, from)) continue;
      if (entry.state !== 'settling') {
        // A folder that could not be listed says nothing about its files.
        if (!unreadable.some((dir) => isUnder(entry.path, dir))) missing.push(entry.path);
      } else if (!this.#gate?.has(entry.path) && !this.#enqueueing.has(entry.path)) {
        // One the gate holds may have appeared after this scan listed its folder: the gate decides.
        vanished.push(entry.path);
      }
    }
    const back = [...journal.missingPaths()].filter((path) => found.has(path));
    journal.write(firstSeen);
    journal.remove(vanished);
    journal.noteMissing(missing, Date.now());
    journal.notePresent(back);
  }

  /**
   * One sighting of a file, possibly stale (a scan stats a file long before it compares). So a
   * sighting never overwrites what the journal knows; it only sends the file to the gate, which
   * stats it again and settles the version that is really there. True when the journal knows
   * the path.
   */
  #consider(file: FileVersion, firstSeen: JournalEntry[]): boolean {
    const entry = this.#o.journal.get(file.path);
    if (isHandled(entry, file) || this.#isOffered(file)) return entry !== undefined;
    if (!entry) firstSeen.push(settling(file));
    this.#gate?.observe(file);
    return entry !== undefined;
  }

  #isOffered(file: FileVersion): boolean {
    const offered = this.#enqueueing.get(file.path);
    return offered !== undefined && sameVersion(offered, file);
  }

  #onChanges(changes: FolderChange[]): void {
    this.#noteBurst(changes.length);
    const paths = new Set<string>();
    for (const change of changes) {
      if (change.path === this.rule.folder) {
        void this.#track(this.#checkFolder());
        continue;
      }
      const path = toRelative(this.rule.folder, change.path);
      if (change.type === 'delete' || path === null) continue;
      if (!this.rule.recursive && path.includes('/')) continue;
      paths.add(path);
    }
    if (paths.size) void this.#track(this.#look([...paths]));
  }

  /**
   * inotify drops events silently when its queue overflows under a burst, and nothing else would
   * look for those files before the periodic rescan. So a burst is followed by a rescan once it
   * quiets down (or every few seconds while it lasts).
   */
  #noteBurst(events: number): void {
    if (this.#eventsSinceScan === 0) this.#burstSince = Date.now();
    this.#eventsSinceScan += events;
    if (this.#eventsSinceScan < BURST_EVENTS) return;
    clearTimeout(this.#burstTimer);
    const latest = this.#burstSince + BURST_MAX_WAIT_MS - Date.now();
    this.#burstTimer = setTimeout(
      () => void this.#track(this.rescan()),
      Math.max(0, Math.min(BURST_QUIET_MS, latest)),
    );
  }

  /** Follows up the hints of one batch of events: stat each path, scan any folder that appeared. */
  async #look(paths: string[]): Promise<void> {
    const changed: JournalEntry[] = [];
    const newDirs: string[] = [];
    const skipped: SkippedPath[] = [];
    const notSkipped: string[] = [];
    const policy = this.#links;
    // A name the rule would neither enter nor upload (a hidden temporary file) needs no look.
    const wanted = paths.filter((p) => this.#filter.acceptsFile(p) || this.#filter.entersDir(p));
    for (let i = 0; i < wanted.length; i += STAT_BATCH) {
      const batch = wanted.slice(i, i + STAT_BATCH);
      const seen = await Promise.all(
        batch.map((path) => inspectEntry(this.absolutePath(path), policy)),
      );
      if (this.#stopped) return;
      batch.forEach((path, index) => {
        const found = seen[index];
        if (found?.kind !== 'skip') notSkipped.push(path);
        if (found?.kind === 'dir') {
          if (this.rule.recursive && this.#filter.entersDir(path)) newDirs.push(path);
        } else if (!found || !this.#filter.acceptsFile(path)) {
          return;
        } else if (found.kind === 'file') {
          this.#consider({ path, size: found.size, mtimeMs: found.mtimeMs }, changed);
        } else {
          skipped.push({ path, reason: found.reason, message: found.message });
        }
      });
    }
    this.#o.skipped.remove(notSkipped);
    this.#noteSkipped(skipped);
    this.#o.journal.write(changed);
    // A folder created with files already inside gets no events for them: only a scan finds them.
    for (const dir of newDirs) {
      const { subfolders } = await this.#scan(dir);
      if (subfolders > 0) this.#scheduleRewatch();
    }
  }

  /**
   * inotify watches folder by folder, and @parcel/watcher adds a watch only for a folder it saw
   * being created: the subfolders of a tree made at once (`mkdir -p`, a moved-in tree) stay
   * unwatched for good. Subscribing afresh walks the whole tree again; the rescan after it covers
   * the moments in between. Debounced, so a burst of new folders costs one or two of these.
   */
  #scheduleRewatch(): void {
    if (this.#rewatchTimer || nativeBackend(this.#o.platform ?? process.platform) !== 'inotify') {
      return;
    }
    this.#rewatchTimer = setTimeout(() => void this.#track(this.#rewatch()), REWATCH_DEBOUNCE_MS);
  }

  async #rewatch(): Promise<void> {
    this.#rewatchTimer = undefined;
    if (this.#stopped || this.#state === 'folder-missing') return;
    await this.#closeWatch();
    await this.rescan();
  }

  #onSettled(files: FileVersion[]): void {
    const fresh = files.filter(
      (file) => !isHandled(this.#o.journal.get(file.path), file) && !this.#isOffered(file),
    );
    if (!fresh.length) return;
    const handing = this.#track(this.#enqueue(fresh));
    for (const file of fresh) this.#enqueueing.set(file.path, { ...file, handing });
  }

  /**
   * The journal entry of `path` as the hand-over under way sees it: the version offered to the
   * queue, which the entry (still `settling`, with an earlier version) does not know yet.
   */
  entryBeingHandedOver(path: string): JournalEntry | undefined {
    const entry = this.#o.journal.get(path);
    const offered = this.#enqueueing.get(path);
    if (!entry || !offered || entry.jobId !== null) return entry;
    return { ...entry, size: offered.size, mtimeMs: offered.mtimeMs };
  }

  /** Resolves once nothing waits in the gate or for the queue's answer. */
  async whenIdle(): Promise<void> {
    while (!this.#stopped && this.pending > 0) {
      await this.#gate?.whenEmpty();
      await Promise.allSettled([...this.#enqueueing.values()].map((offered) => offered.handing));
    }
  }

  async #enqueue(files: FileVersion[]): Promise<void> {
    try {
      const results = await this.#o.sink.enqueue(files.map((file) => this.#item(file)));
      this.#recordQueued(
        files,
        results.map((r) => r.jobId),
      );
      this.#sinkFailing = false;
    } catch (error) {
      this.#release(files);
      if (!this.#sinkFailing) {
        this.#o.onWarning('enqueue-failed', `The upload queue refused files: ${messageOf(error)}`);
      }
      this.#sinkFailing = true;
      // Offered again after another window, unless they changed or went away meanwhile.
      for (const file of files) this.#gate?.observe(file);
    }
  }

  /**
   * The queue has the files. A job may have finished before its `enqueue` call returned here: its
   * outcome, recorded in the commit that finished it, stays.
   */
  #recordQueued(files: FileVersion[], jobIds: string[]): void {
    const entries = files.flatMap((file, index): JournalEntry[] => {
      const entry = this.#o.journal.get(file.path);
      if (hasOutcomeFor(entry, jobIds[index])) return [];
      return [
        {
          path: file.path,
          size: file.size,
          mtimeMs: file.mtimeMs,
          state: 'queued',
          jobId: jobIds[index] ?? null,
          uploadedSize: entry?.uploadedSize ?? null,
          uploadedMtimeMs: entry?.uploadedMtimeMs ?? null,
        },
      ];
    });
    this.#o.journal.write(entries);
    this.#release(files);
  }

  #release(files: FileVersion[]): void {
    for (const file of files) {
      const offered = this.#enqueueing.get(file.path);
      // A newer version of the file may be on its way already: that hand-over is not ours.
      if (offered && sameVersion(offered, file)) this.#enqueueing.delete(file.path);
    }
  }

  #item(file: FileVersion): WatchQueueItem {
    const slash = file.path.lastIndexOf('/');
    return {
      path: this.absolutePath(file.path),
      folderPath: expandDestination(this.rule.destination, {
        machine: this.#o.machineName(),
        relativeDir: slash < 0 ? '' : file.path.slice(0, slash),
        date: new Date(file.mtimeMs),
      }),
      source: 'watch',
      ruleId: this.rule.id,
      conflictPolicy: this.rule.conflictPolicy,
      scope: { foundIn: this.rule.folder, followLinks: this.rule.followSymlinks },
      seen: { size: file.size, mtimeMs: file.mtimeMs },
    };
  }

  async #attach(): Promise<void> {
    const identity = await folderIdentity(this.rule.folder);
    // Before any event is looked at: a followed link is judged against the folder's real path.
    await this.#refreshLinkPolicy();
    if (this.#stopped) return;
    if (!identity) return this.#detach();
    this.#identity = identity;
    this.#gate = new StabilityGate({
      windowMs: this.rule.stabilityWindowMs,
      // As the scan sees it: a file that became a link (not followed) has gone from the rule.
      stat: (path) => {
        const found = inspectEntry(this.absolutePath(path), this.#links);
        return found instanceof Promise ? found.then(versionOf) : versionOf(found);
      },
      onSettled: (files) => this.#onSettled(files),
      onGone: (paths) => this.#forgetSettling(paths),
    });
    this.#setState('scanning', null);
    await this.rescan();
  }

  /** The folder is gone (deleted, unmounted): stop looking inside, keep the journal, poll for it. */
  async #detach(): Promise<void> {
    this.#gate?.stop();
    this.#gate = undefined;
    this.#identity = null;
    await this.#closeWatch();
    if (this.#stopped) return;
    this.#setState(
      'folder-missing',
      `The folder ${this.rule.folder} is missing; watching resumes when it is back.`,
    );
  }

  async #checkFolder(): Promise<void> {
    if (this.#checkingFolder || this.#stopped) return;
    this.#checkingFolder = true;
    try {
      const identity = await folderIdentity(this.rule.folder);
      if (this.#stopped) return;
      if (!identity) {
        if (this.#state !== 'folder-missing') await this.#detach();
      } else if (!this.#identity || !sameIdentity(identity, this.#identity)) {
        // Back, or replaced by another folder of the same name (the old watch sees nothing).
        await this.#detach();
        await this.#attach();
      }
    } finally {
      this.#checkingFolder = false;
    }
  }

  async #openWatch(): Promise<void> {
    try {
      this.#watch = await watchFolder({
        folder: this.rule.folder,
        onChanges: (changes) => this.#onChanges(changes),
        onError: (error) => void this.#track(this.#onWatchError(error)),
        platform: this.#o.platform,
        subscribe: this.#o.subscribe,
      });
      this.#watchProblem = null;
    } catch (error) {
      this.#watch = undefined;
      this.#noteWatchProblem(error);
    }
  }

  async #onWatchError(error: Error): Promise<void> {
    if (this.#noteWatchProblem(error)) {
      // Reopened on the next periodic scan, once the limit may have been raised.
      await this.#closeWatch();
      this.#setState('error', this.#watchProblem);
    }
    await this.rescan();
  }

  /** Returns true when the problem is the OS watch limit. */
  #noteWatchProblem(error: unknown): boolean {
    const limit = watchLimitMessage(error, this.rule.folder, this.#rescanIntervalMs / 1000);
    if (limit) {
      if (this.#watchProblem !== limit) this.#o.onWarning('watch-limit', limit);
      this.#watchProblem = limit;
      return true;
    }
    const message = `The change watcher for ${this.rule.folder} failed (${messageOf(error)}); the folder is rescanned.`;
    this.#o.onWarning('watcher-error', message);
    if (!this.#watch) this.#watchProblem = message;
    return false;
  }

  async #closeWatch(): Promise<void> {
    const watch = this.#watch;
    this.#watch = undefined;
    await watch?.close().catch(() => undefined);
  }

  #forgetSettling(paths: string[]): void {
    const settlingOnly = paths.filter((path) => this.#o.journal.get(path)?.state === 'settling');
    this.#o.journal.remove(settlingOnly);
  }

  #setState(state: WatchRuleState, reason: string | null): void {
    if (this.#state === state && this.#reason === reason) return;
    this.#state = state;
    this.#reason = reason;
    this.#o.onState(state, reason);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work)).catch(() => undefined);
    return work;
  }
}

function versionOf(found: Sighting | null): Omit<FileVersion, 'path'> | null {
  return found?.kind === 'file' ? { size: found.size, mtimeMs: found.mtimeMs } : null;
}

function settling(file: FileVersion): JournalEntry {
  return { ...file, state: 'settling', jobId: null, uploadedSize: null, uploadedMtimeMs: null };
}

function isUnder(path: string, dir: string): boolean {
  return dir === '' || path.startsWith(`${dir}/`);
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

async function folderIdentity(folder: string): Promise<FolderIdentity | null> {
  const found = await statOrNull(folder);
  return found?.isDirectory() ? { dev: found.dev, ino: found.ino } : null;
}

function sameIdentity(a: FolderIdentity, b: FolderIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
