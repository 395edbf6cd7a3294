import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { AuthStatus } from './auth/auth-status.ts';
import { AuthService } from './auth/auth-service.ts';
import type { BrowserOpener } from './auth/browser-opener.ts';
import { FileSecretStore } from './auth/file-secret-store.ts';
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
import { DriveUploader } from './drive/drive-uploader.ts';
import { EventBus } from './events/event-bus.ts';
import type { AgentBus, AgentEvents } from './events/agent-events.ts';
import { HistoryService, historyOptionsFromSettings } from './history/history-service.ts';
import { createFileLogger, type FileLogger, type Logger } from './log/logger.ts';
import { expandAddRequest, type AddRequest } from './queue/add-request.ts';
import type { AddedJob, PlannedFile } from './queue/enqueue-result.ts';
import type { Job } from './queue/job.ts';
import type { RetryPolicyOptions } from './queue/retry-policy.ts';
import type { SkippedPath } from './queue/skipped-path.ts';
import { UploadQueue, type EnqueueItem } from './queue/upload-queue.ts';
import { openDatabase } from './store/database.ts';
import { isDiskFull, probeDatabase, probeDirectory } from './store/disk-full.ts';
import { Pruner } from './store/pruner.ts';
import { WatchService } from './watch/watch-service.ts';

export interface AgentOptions {
  paths: DriveUpPaths;
  env?: NodeJS.ProcessEnv;
  /** Also print logs to stdout (`driveup agent --foreground`). */
  logToStdout?: boolean;
  /** How sign-in opens the system browser; tests and headless machines replace it. */
  openBrowser?: BrowserOpener;
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
  readonly logger: Logger;
  readonly #settings: SettingsStore;
  readonly #env: NodeJS.ProcessEnv;
  readonly #db: DatabaseSync;
  readonly #uploader: DriveUploader;
  readonly #log: FileLogger;
  readonly #own: OwnPaths;
  readonly #pruner: Pruner;
  #accountEmail: string | null = null;
  /** Settings changes one at a time, each applied before the next is saved. */
  #settingsChanges: Promise<unknown> = Promise.resolve();
  #unsubscribe: Array<() => void> = [];
  #stopping: Promise<void> | undefined;

  private constructor(parts: AgentParts) {
    this.paths = parts.paths;
    this.bus = parts.bus;
    this.#settings = parts.settings;
    this.#env = parts.env;
    this.#db = parts.db;
    this.#log = parts.log;
    this.#own = parts.own;
    this.logger = parts.log.logger;
    this.auth = parts.auth;
    this.#uploader = parts.uploader;
    this.history = parts.history;
    this.queue = new UploadQueue({
      db: parts.db,
      bus: parts.bus,
      uploader: parts.uploader,
      concurrency: this.settings().uploads.concurrency,
      logger: this.logger,
      retry: retryOptions(this.settings()),
      // After an upload was refused for want of access: resumes once Google gives a token again.
      accessProbe: async () => Boolean((await (await this.auth.client()).getAccessToken()).token),
      // The database and the logs are what a full disk stops; both must take a write again.
      diskProbe: async () =>
        probeDatabase(parts.db) && (await probeDirectory(parts.paths.stateDir)),
      onFinished: (job, outcome) => this.#record(job, outcome.skipped),
    });
    parts.log.onWriteError((error) => {
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
      jobOutcomes: parts.bus,
      retryingJobs: (ruleId) => this.queue.countForRule(ruleId, 'retrying'),
      rescanIntervalMs: this.settings().watch.rescanIntervalSeconds * 1000,
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
    await ensureTrustedDirectories(options.paths);
    const own = await OwnPaths.of(options.paths);
    const settings = new SettingsStore(options.paths.settingsFile);
    const effective = applyEnvOverrides(await settings.load(), env);
    const log = await createFileLogger({
      stateDir: options.paths.stateDir,
      level: effective.logLevel,
      alsoStdout: options.logToStdout,
    });
    const bus: AgentBus = new EventBus<AgentEvents>();
    const db = openDatabase(options.paths.databaseFile, {
      ...maxPagesFrom(env.DRIVEUP_DATABASE_MAX_PAGES),
    });
    // With the pid pino adds: who had the database, when (two agents must never share it).
    log.logger.info({ file: options.paths.databaseFile }, 'database opened');
    const auth = new AuthService({
      google: () => applyEnvOverrides(settings.get(), env).google,
      secrets: new FileSecretStore({
        dir: options.paths.secretsDir,
        passphrase: env.DRIVEUP_SECRET_KEY,
      }),
      bus,
      logger: log.logger,
      ...(options.openBrowser ? { openBrowser: options.openBrowser } : {}),
    });
    const uploader = new DriveUploader({
      auth,
      apiRoot: googleEndpoints(effective.google.endpoint).apiRoot,
      chunkSizeBytes: effective.uploads.chunkSizeBytes,
      bandwidthLimitBytesPerSecond: effective.uploads.bandwidthLimitBytesPerSecond,
      ownPaths: own,
      logger: log.logger,
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
      return reportSettingsChange({
        file: this.#settings.file,
        settings,
        keys: changedKeys(patch, unset),
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
    return { jobs: await this.queue.enqueue(items), skipped };
  }

  /** What `add` would do, nothing queued: a dry run. */
  async planAdd(request: AddRequest): Promise<{ plan: PlannedFile[]; skipped: SkippedPath[] }> {
    const { items, skipped } = await this.#addItems(request);
    return { plan: await this.queue.plan(items), skipped };
  }

  async #addItems(request: AddRequest): Promise<{ items: EnqueueItem[]; skipped: SkippedPath[] }> {
    const settings = this.settings();
    const { files, skipped } = await expandAddRequest(request.paths, {
      folder: request.folder ?? settings.uploads.defaultFolder,
      includeHidden: request.includeHidden,
      followSymlinks: request.followSymlinks,
      own: this.#own,
    });
    const items = files.map((file) => ({
      ...file,
      source: request.source,
      conflictPolicy: request.conflictPolicy ?? settings.uploads.conflictPolicy,
      force: request.force ?? false,
    }));
    return { items, skipped };
  }

  async start(): Promise<void> {
    this.#unsubscribe.push(
      this.bus.on('auth.changed', ({ status }) => this.#onAuthChanged(status)),
    );
    await this.#onAuthChanged(await this.auth.status());
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
    await this.#pruner.stop();
    await this.watch.stop();
    await this.queue.stop();
    await this.history.stop();
    this.auth.close();
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

  /** Uploads need an account: without one the queue waits (nothing is lost), with the reason. */
  async #onAuthChanged(status: AuthStatus): Promise<void> {
    if (status.state === 'signed-in') {
      this.#accountEmail = status.account.email;
      this.queue.signedIn();
      return;
    }
    if (status.state === 'signing-in') return;
    this.queue.waitForSignIn(
      status.state === 'needs-sign-in'
        ? `${NEEDS_ACCOUNT}: ${status.reason}`
        : `${NEEDS_ACCOUNT}: not signed in to Google (run \`driveup signin\`)`,
    );
  }

  #record(job: Job, skippedIdentical: boolean): void {
    this.history.recorder.record(job, {
      machineName: this.settings().machineName,
      accountEmail: this.#accountEmail,
      skippedIdentical,
    });
  }
}

const NEEDS_ACCOUNT = 'Waiting for a Google account';

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
  log: FileLogger;
  bus: AgentBus;
  db: DatabaseSync;
  auth: AuthService;
  uploader: DriveUploader;
  history: HistoryService;
  own: OwnPaths;
}
