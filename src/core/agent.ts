import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { ActivityMonitor, type ActivityState } from './activity/activity-monitor.ts';
import type { AuthStatus, NeedsSignInCause } from './auth/auth-status.ts';
import { AuthService } from './auth/auth-service.ts';
import type { BrowserOpener } from './auth/browser-opener.ts';
import { FileSecretStore } from './auth/file-secret-store.ts';
import type { SecretCipher } from './auth/secret-cipher.ts';
import { ensureTrustedDirectories } from './config/directory-trust.ts';
import { applyEnvOverrides } from './config/effective-config.ts';
import { googleEndpoints } from './config/google-endpoints.ts';
import { OwnPaths } from './config/own-paths.ts';
import type { DriveUpPaths } from './config/paths.ts';
import {
  changedKeys,
  describeSettingKeys,
  reportSettingsChange,
  type SettingKeyView,
  type SettingsUpdateResult,
} from './config/settings-change.ts';
import type { Settings, SettingKey, SettingsPatch } from './config/settings-schema.ts';
import { SettingsStore } from './config/settings-store.ts';
import { createDriveTransport } from './drive/drive-client.ts';
import { DriveUploader } from './drive/drive-uploader.ts';
import { EventBus, type EventBusOptions } from './events/event-bus.ts';
import type { AgentBus, AgentEvents } from './agent-events.ts';
import { HistoryService, historyOptionsFromSettings } from './history/history-service.ts';
import type { HistoryRecord } from './history/history-record.ts';
import { trashUpload } from './history/trash-upload.ts';
import { createFileLogger, type Logger } from './log/logger.ts';
import type { LogLevel } from './config/settings-schema.ts';
import { nodeHttpAgents, type HttpAgentFor, type HttpAgents } from './net/http-agents.ts';
import type { NotificationBatch } from './notifications/notification-batch.ts';
import { feedBatcher, NotificationBatcher } from './notifications/notification-batcher.ts';
import { addRequestSchema, expandAddRequest, type AddRequest } from './queue/add-request.ts';
import { systemClock, type Clock } from './queue/clock.ts';
import type { AddedJob, PlannedFile } from './queue/enqueue-result.ts';
import { goneFromDrive } from './queue/gone-from-drive.ts';
import type { Job, JobSource } from './queue/job.ts';
import type { AuthPauseCause } from './queue/pause-state.ts';
import type { RetryPolicyOptions } from './queue/retry-policy.ts';
import type { SkippedPath } from './queue/skipped-path.ts';
import { UploadQueue, type EnqueueItem, type FinishedJob } from './queue/upload-queue.ts';
import { StagingArea } from './staging/staging-area.ts';
import { openAgentDatabase } from './migrations.ts';
import { isDiskFull, probeDatabase, probeDirectory } from './store/disk-full.ts';
import { Pruner } from './pruner.ts';
import { WatchService } from './watch/watch-service.ts';

/** The agent's log: where its lines go, and how it is closed. */
export interface AgentLog {
  logger: Logger;
  /** Flushes and closes the log. */
  close(): Promise<void>;
  /** Hears of each failed write (a full disk pauses the queue). */
  onWriteError?(listener: (error: Error) => void): void;
}

/**
 * What differs between the hosts of an agent (`driveup agent`, the desktop app's agent process,
 * a test) comes in here, as ports: each has a default that suits a headless machine.
 */
export interface AgentOptions {
  paths: DriveUpPaths;
  env?: NodeJS.ProcessEnv;
  /** How sign-in opens the system browser; tests and headless machines replace it. */
  openBrowser?: BrowserOpener;
  /**
   * Seals the stored tokens: the host's choice (a passphrase headless, Electron's safeStorage in
   * the desktop app). None (the default): tokens are stored as they are, in 0600 files, and
   * `auth.status` warns.
   */
  secretCipher?: SecretCipher | null;
  /** The agent's log, made once the settings (and their log level) are read; log files by default. */
  log?: (level: LogLevel) => Promise<AgentLog>;
  /** A cheap check that the network is back, polled while offline; by default the next upload tries. */
  networkProbe?: () => Promise<boolean>;
  /** The connection agent for every request to Google (a system proxy); Node's own by default. */
  httpAgent?: HttpAgentFor;
  /** Time for the queue's retries and waits, the activity figures and notification batches. */
  clock?: Clock;
  /**
   * How many recent events subscribers can resume from, and how far one may fall behind before it
   * gets `resync` (event-bus.ts); the defaults suit every face.
   */
  events?: Pick<EventBusOptions, 'replayLimit' | 'maxBuffered' | 'stallMs'>;
}

/**
 * The composition root of the engine: settings, local database, sign-in, Drive uploader, queue,
 * watcher and history, wired together and started and stopped as one. Every face of DriveUp (the
 * API, the CLI, the tray) works through an Agent.
 */
export class Agent {
  readonly paths: DriveUpPaths;
  readonly bus: AgentBus;
  readonly bootId = randomUUID();
  readonly startedAt = new Date();
  readonly auth: AuthService;
  readonly queue: UploadQueue;
  readonly watch: WatchService;
  readonly history: HistoryService;
  readonly activity: ActivityMonitor;
  /** Files a browser sent (web mode), kept until their upload is done or cancelled. */
  readonly staging: StagingArea;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly #settings: SettingsStore;
  readonly #env: NodeJS.ProcessEnv;
  readonly #db: DatabaseSync;
  readonly #uploader: DriveUploader;
  readonly #log: AgentLog;
  readonly #own: OwnPaths;
  readonly #batcher: NotificationBatcher;
  readonly #httpAgents: HttpAgents | undefined;
  readonly #pruner: Pruner;
  #accountEmail: string | null = null;
  #signInNeeded = false;
  /** Staged copies being deleted: a stop waits for them. */
  readonly #releases = new Set<Promise<void>>();
  /** Settings changes one at a time, each applied before the next is saved. */
  #settingsChanges: Promise<unknown> = Promise.resolve();
  #unsubscribe: Array<() => void> = [];
  #stopping: Promise<void> | undefined;

  private constructor(parts: AgentParts) {
    this.paths = parts.paths;
    this.bus = parts.bus;
    this.clock = parts.clock;
    this.#settings = parts.settings;
    this.#env = parts.env;
    this.#db = parts.db;
    this.#log = parts.log;
    this.#own = parts.own;
    this.#httpAgents = parts.httpAgents;
    this.logger = parts.log.logger;
    this.auth = parts.auth;
    this.#uploader = parts.uploader;
    this.history = parts.history;
    this.staging = new StagingArea({ dir: parts.paths.stagingDir });
    this.queue = new UploadQueue({
      db: parts.db,
      bus: parts.bus,
      uploader: parts.uploader,
      concurrency: this.settings().uploads.concurrency,
      logger: this.logger,
      clock: parts.clock,
      retry: retryOptions(this.settings()),
      ...(parts.networkProbe ? { networkProbe: parts.networkProbe } : {}),
      // After an upload was refused for want of access: resumes once Google gives a token again.
      accessProbe: async () => Boolean((await (await this.auth.client()).getAccessToken()).token),
      // The database and the logs are what a full disk stops; both must take a write again.
      diskProbe: async () =>
        probeDatabase(parts.db) && (await probeDirectory(parts.paths.stateDir)),
    });
    parts.log.onWriteError?.((error) => {
      if (isDiskFull(error)) this.queue.reportDiskFull(parts.paths.stateDir);
    });
    this.watch = new WatchService({
      db: parts.db,
      sink: {
        enqueue: async (items) =>
          (await this.queue.enqueue(items)).map((job) => ({ jobId: job.id })),
      },
      machineName: () => this.settings().machineName,
      // The database, tokens, socket and logs; settings.json alone is harmless to watch.
      protectedDirs: [parts.paths.dataDir, parts.paths.stateDir, parts.paths.cacheDir],
      own: parts.own,
      events: parts.bus,
      retryingJobs: (ruleId) => this.queue.countForRule(ruleId, 'retrying'),
      rescanIntervalMs: this.settings().watch.rescanIntervalSeconds * 1000,
    });
    // The commit that finishes a job also writes its history record and its watch-journal
    // entry: what the queue reports done is in the history, and a watched file is never queued
    // again for a lost journal write (nor its journal ahead of the job).
    this.queue.finishing.add((finished) => this.#record(finished));
    this.queue.finishing.add(({ job }) => {
      if (job.state !== 'done' && job.state !== 'failed' && job.state !== 'cancelled') return;
      void this.watch.handleJobOutcome(`job.${job.state}`, job);
    });
    this.activity = new ActivityMonitor(
      parts.bus,
      {
        counts: () => this.queue.counts(),
        waitingJobs: () => this.queue.waitingJobs(),
        pause: () => this.queue.currentPause,
        pauses: () => this.queue.pauses,
        signInNeeded: () => this.#signInNeeded,
        mongoRefusals: () => {
          const status = this.history.status();
          return { count: status.refused, detail: status.lastRefusal };
        },
      },
      parts.clock,
    );
    this.#batcher = new NotificationBatcher({
      settings: () => this.settings().notifications,
      onBatch: (batch) => this.bus.emit('notifications.batch', { batch }),
      clock: parts.clock,
    });
    this.#pruner = new Pruner({
      db: parts.db,
      jobsStillNeeded: (jobs) => this.watch.jobsStillNeeded(jobs),
      forgetMissingFiles: (before) => this.watch.forgetMissing(before),
      logger: this.logger,
    });
  }

  /**
   * Checks that DriveUp's own directories are this user's alone (UntrustedDirectoryError when
   * not), then loads settings, opens the database and builds every part; nothing runs until
   * `start()`. The check comes first: an untrusted settings.json could name another server to
   * receive the tokens, and a planted link could turn a log line into a write elsewhere.
   */
  static async open(options: AgentOptions): Promise<Agent> {
    const env = options.env ?? process.env;
    const clock = options.clock ?? systemClock;
    await ensureTrustedDirectories(options.paths);
    const own = await OwnPaths.of(options.paths);
    const settings = new SettingsStore(options.paths.settingsFile);
    const effective = applyEnvOverrides(await settings.load(), env);
    const log = await (options.log ?? fileLog(options.paths.stateDir))(effective.logLevel);
    // One pool for every request to Google (sign-in, tokens, Drive) when the host gave none.
    const httpAgents = options.httpAgent ? undefined : nodeHttpAgents();
    const httpAgent = options.httpAgent ?? httpAgents!.agentFor;
    const bus: AgentBus = new EventBus<AgentEvents>({ ...options.events, now: () => clock.now() });
    const db = openAgentDatabase(options.paths.databaseFile, {
      ...maxPagesFrom(env.DRIVEUP_DATABASE_MAX_PAGES),
    });
    // With the pid pino adds: who had the database, when (two agents must never share it).
    log.logger.info({ file: options.paths.databaseFile }, 'database opened');
    // One set of Drive connections and one pacer for every Drive call the agent makes.
    const driveTransport = createDriveTransport(undefined, httpAgent);
    const auth = new AuthService({
      google: () => applyEnvOverrides(settings.get(), env).google,
      driveTransport,
      secrets: new FileSecretStore({
        dir: options.paths.secretsDir,
        cipher: options.secretCipher ?? null,
      }),
      bus,
      logger: log.logger,
      now: () => clock.now(),
      httpAgent,
      ...(options.openBrowser ? { openBrowser: options.openBrowser } : {}),
    });
    const uploader = new DriveUploader({
      auth,
      transport: driveTransport,
      apiRoot: googleEndpoints(effective.google.endpoint).apiRoot,
      chunkSizeBytes: effective.uploads.chunkSizeBytes,
      bandwidthLimitBytesPerSecond: effective.uploads.bandwidthLimitBytesPerSecond,
      ownPaths: own,
      logger: log.logger,
      httpAgent,
    });
    const history = new HistoryService({
      db,
      ...historyOptionsFromSettings(effective),
      machineName: () => applyEnvOverrides(settings.get(), env).machineName,
      events: bus,
      logger: log.logger,
    });
    return new Agent({
      paths: options.paths,
      env,
      settings,
      log,
      bus,
      db,
      auth,
      uploader,
      history,
      own,
      clock,
      httpAgents,
      networkProbe: options.networkProbe,
    });
  }

  /** What faces need about each setting besides its value (timing, secrecy, overrides). */
  settingKeys(): SettingKeyView[] {
    return describeSettingKeys(this.#env);
  }

  /** Effective settings: the file with environment overrides applied. */
  settings(): Settings {
    return applyEnvOverrides(this.#settings.get(), this.#env);
  }

  /**
   * Sets the keys in `patch` and unsets those in `unset` (back to their default), saves the file,
   * and applies every setting the running agent can apply at once; the answer says, per key, when
   * it takes effect and whether an environment variable overrides it.
   */
  updateSettings(
    patch: SettingsPatch,
    unset: readonly SettingKey[] = [],
  ): Promise<SettingsUpdateResult> {
    const run = this.#settingsChanges.then(async () => {
      await this.#settings.update(patch, unset);
      const settings = this.settings();
      await this.#applySettings(settings);
      const keys = changedKeys(patch, unset);
      this.bus.emit('settings.changed', { keys });
      return reportSettingsChange({
        file: this.#settings.file,
        settings,
        keys,
        agent: { env: this.#env },
      });
    });
    this.#settingsChanges = run.catch(() => undefined);
    return run;
  }

  /** Every setting marked `appliesLive` in settings-info.ts is applied here. */
  async #applySettings(next: Settings): Promise<void> {
    this.queue.setConcurrency(next.uploads.concurrency);
    this.queue.setRetryPolicy(retryOptions(next));
    this.#uploader.setBandwidthLimit(next.uploads.bandwidthLimitBytesPerSecond);
    this.#uploader.setChunkSize(next.uploads.chunkSizeBytes);
    this.#uploader.setApiRoot(googleEndpoints(next.google.endpoint).apiRoot);
    this.logger.level = next.logLevel;
    this.watch.setRescanInterval(next.watch.rescanIntervalSeconds * 1000);
    await this.history.configure(historyOptionsFromSettings(next));
  }

  /**
   * Queues files (folders with their tree) from a drop or the command line; says what it found in
   * the folders and left out (links, dot-files, FIFOs, DriveUp's own files).
   */
  async add(request: AddRequest): Promise<{ jobs: AddedJob[]; skipped: SkippedPath[] }> {
    const { items, skipped } = await this.#addItems(request);
    const jobs = await this.queue.enqueue(items);
    return { jobs: await this.#againWhereGone(items, jobs), skipped };
  }

  /**
   * Files an add would answer "already in Drive" whose upload Drive no longer has (deleted or
   * trashed there, not through DriveUp) are queued again: the answer would otherwise say they are
   * there, and only `--force` would bring them back.
   */
  async #againWhereGone(items: EnqueueItem[], jobs: AddedJob[]): Promise<AddedJob[]> {
    const gone = await this.#goneFromDrive(jobs.filter((job) => job.added === 'already-uploaded'));
    if (!gone.size) return jobs;
    const at = jobs.flatMap((job, i) => (gone.has(job.id) ? [i] : []));
    let again: AddedJob[];
    try {
      // As `force` does: the earlier job is retired and a new one queued, in one commit.
      again = await this.queue.enqueue(at.map((i) => ({ ...items[i]!, force: true })));
    } catch (error) {
      // The rest of the add is queued already: its answer stands, these as they were known.
      this.logger.warn({ err: error }, 'could not queue again files no longer in Drive');
      return jobs;
    }
    const answer = [...jobs];
    at.forEach((i, k) => (answer[i] = again[k]!));
    return answer;
  }

  #goneFromDrive(uploads: readonly Job[]): Promise<Set<string>> {
    if (!uploads.length) return Promise.resolve(new Set());
    return goneFromDrive(uploads, (fileId, signal) => this.#uploader.isInDrive(fileId, signal));
  }

  /**
   * Queues a file a browser sent, staged in the data directory (`staging.stage`), as a `browser`
   * upload. The staged copy is deleted once its job is done or cancelled (a failed one keeps it:
   * Retry reads it again).
   */
  async addStaged(path: string, folder: string | undefined): Promise<AddedJob[]> {
    // Checked as `queue.add` checks its input (a folder name, the path), from a browser as any.
    const request = addRequestSchema.parse({ paths: [path], folder });
    const { items } = await this.#addItems(request, 'browser');
    return this.queue.enqueue(items);
  }

  /**
   * Stops watching a folder. Its files found and not uploaded yet are cancelled, an upload under
   * way too: "stop watching" means nothing more from that folder leaves the machine (a folder
   * watched by mistake is stopped, not finished), unless `keepQueued`. Cancelled after the rule
   * is gone, so their outcome is written to no journal.
   */
  async removeWatchRule(id: string, keepQueued = false): Promise<{ cancelled: number }> {
    await this.watch.removeRule(id);
    return { cancelled: keepQueued ? 0 : this.queue.cancelAll(id) };
  }

  /** What the tray and the Activity window draw from (see activity-monitor.ts). */
  activitySummary(): ActivityState {
    return this.activity.summary();
  }

  /** A recent notification batch, for Review; undefined once it is too old to be kept. */
  notificationBatch(batchId: string): NotificationBatch | undefined {
    return this.#batcher.get(batchId);
  }

  /** What `add` would do, nothing queued: a dry run. */
  async planAdd(request: AddRequest): Promise<{ plan: PlannedFile[]; skipped: SkippedPath[] }> {
    const { items, skipped } = await this.#addItems(request);
    const plan = await this.queue.plan(items);
    const already = plan.flatMap((file) => (file.added === 'already-uploaded' && file.job) || []);
    const gone = await this.#goneFromDrive(already);
    const again = (file: PlannedFile) =>
      file.added === 'already-uploaded' && file.job !== null && gone.has(file.job.id);
    return {
      plan: plan.map((file) => (again(file) ? { ...file, added: 'queued' } : file)),
      skipped,
    };
  }

  async #addItems(
    request: AddRequest,
    source: JobSource = request.source,
  ): Promise<{ items: EnqueueItem[]; skipped: SkippedPath[] }> {
    const settings = this.settings();
    const { files, skipped } = await expandAddRequest(request.paths, {
      folder: request.folder ?? settings.uploads.defaultFolder,
      includeHidden: request.includeHidden,
      followSymlinks: request.followSymlinks,
      own: this.#own,
    });
    const items = files.map((file) => ({
      ...file,
      source,
      conflictPolicy: request.conflictPolicy ?? settings.uploads.conflictPolicy,
      force: request.force ?? false,
    }));
    return { items, skipped };
  }

  /** Moves this machine's upload `id` to Drive's trash and records it (TrashError when it cannot). */
  async trashUpload(id: string): Promise<HistoryRecord> {
    const record = await trashUpload(id, { history: this.history, drive: this.#uploader });
    this.queue.forgetUpload(id);
    return record;
  }

  async start(): Promise<void> {
    this.#unsubscribe.push(
      this.bus.on('auth.changed', ({ status }) => this.#onAuthChanged(status)),
      feedBatcher(this.bus, this.#batcher),
      this.bus.on('job.done', ({ job }) => this.#releaseStaged(job)),
      this.bus.on('job.cancelled', ({ job }) => this.#releaseStaged(job)),
    );
    this.activity.start();
    await this.#onAuthChanged(await this.auth.status());
    await this.#sweepStaging();
    await this.queue.start();
    this.history.start();
    await this.watch.start();
    this.#pruner.start();
    this.logger.info({ dataDir: this.paths.dataDir, bootId: this.bootId }, 'agent started');
  }

  /** Stops taking work, lets running uploads persist their progress, closes everything. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.activity.stop();
    this.#batcher.stop();
    await this.#pruner.stop();
    await this.watch.stop();
    await this.queue.stop();
    await Promise.all(this.#releases);
    await this.history.stop();
    this.auth.close();
    this.#uploader.close();
    this.#httpAgents?.destroy();
    this.#closeDatabase();
    this.logger.info('agent stopped');
    await this.#log.close();
  }

  /**
   * For a host whose stop ran out of time: closes the database and the log, whatever still runs,
   * so that the process can exit without leaving either half written.
   */
  async forceClose(): Promise<void> {
    this.#closeDatabase();
    await this.#log.close();
  }

  #closeDatabase(): void {
    if (!this.#db.isOpen) return;
    this.#db.close();
    this.logger.info('database closed');
  }

  /** Uploads need an account: without one the queue waits (nothing is lost), with the cause. */
  async #onAuthChanged(status: AuthStatus): Promise<void> {
    if (status.state === 'signed-in') {
      this.#accountEmail = status.account.email;
      this.#signInNeeded = false;
      this.queue.signedIn();
      return;
    }
    if (status.state === 'signing-in') return;
    this.#signInNeeded = true;
    if (status.state === 'needs-sign-in') {
      this.queue.waitForSignIn(pauseCauseOf(status.cause), status.detail);
    } else {
      this.queue.waitForSignIn('not-signed-in');
    }
  }

  #record({ job, skipped }: FinishedJob): void {
    this.history.recorder.record(job, {
      machineName: this.settings().machineName,
      accountEmail: this.#accountEmail,
      skippedIdentical: skipped,
    });
  }

  /** A browser's file is uploaded (or given up on by a person): its staged copy goes. */
  #releaseStaged(job: Job): void {
    if (job.source !== 'browser' || !this.staging.holds(job.path)) return;
    const release = this.staging.release(job.path).catch((error: unknown) => {
      this.logger.warn({ err: error, jobId: job.id }, 'could not delete a staged file');
    });
    this.#releases.add(release);
    void release.finally(() => this.#releases.delete(release));
  }

  /** What an earlier run left in staging and no job needs any more goes (failed jobs keep theirs). */
  async #sweepStaging(): Promise<void> {
    try {
      const needed = this.queue.neededPathsUnder(this.staging.dir);
      const removed = await this.staging.sweep((path) => needed.has(path));
      if (removed) this.logger.info({ removed }, 'removed staged files no job needs');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not clear the staging folder');
    }
  }
}

function pauseCauseOf(cause: NeedsSignInCause): AuthPauseCause {
  if (cause === 'refused' || cause === 'scope-missing') return cause;
  return 'unreadable';
}

function fileLog(stateDir: string): (level: LogLevel) => Promise<AgentLog> {
  return (level) => createFileLogger({ stateDir, level });
}

function retryOptions(settings: Settings): Pick<RetryPolicyOptions, 'windowMs' | 'maxDelayMs'> {
  return {
    windowMs: settings.uploads.retryWindowHours * 3600_000,
    maxDelayMs: settings.uploads.retryMaxDelaySeconds * 1000,
  };
}

/**
 * DRIVEUP_DATABASE_MAX_PAGES caps the local database at that many pages (SQLite's
 * max_page_count): a full disk on demand, for tests and for trying out what DriveUp does then.
 */
function maxPagesFrom(value: string | undefined): { maxPageCount?: number } {
  const pages = Number(value);
  return value && Number.isSafeInteger(pages) && pages > 0 ? { maxPageCount: pages } : {};
}

interface AgentParts {
  paths: DriveUpPaths;
  env: NodeJS.ProcessEnv;
  settings: SettingsStore;
  log: AgentLog;
  clock: Clock;
  httpAgents: HttpAgents | undefined;
  networkProbe: (() => Promise<boolean>) | undefined;
  bus: AgentBus;
  db: DatabaseSync;
  auth: AuthService;
  uploader: DriveUploader;
  history: HistoryService;
  own: OwnPaths;
}
