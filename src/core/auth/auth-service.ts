import { randomUUID } from 'node:crypto';
import type { OAuth2Client } from 'google-auth-library';
import { googleEndpoints } from '../config/google-endpoints.ts';
import type { DriveAuth } from '../drive/drive-auth.ts';
import { createDriveTransport, type DriveTransport } from '../drive/drive-client.ts';
import { UploadError } from '../drive/uploader.ts';
import type { EventBus } from '../events/event-bus.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { AccountStore, type StoredAccount } from './account-store.ts';
import type { AuthEvents } from './auth-events.ts';
import type {
  AccountSummary,
  AuthState,
  AuthStatus,
  AuthWarning,
  NeedsSignInCause,
  SignInAttemptView,
  SignInOutcome,
  SignInRequestResult,
} from './auth-status.ts';
import { openInSystemBrowser, type BrowserOpener } from './browser-opener.ts';
import { requireClientCredentials, type GoogleSettings } from './client-credentials.ts';
import { fetchDriveAbout, type StorageQuota } from './drive-about.ts';
import { describeGoogleError, isInvalidGrant } from '../drive/google-error.ts';
import { nodeHttpAgents, postForm, type HttpAgentFor } from '../net/http-agents.ts';
import { SCOPE_URLS, startOAuthFlow, type Authorized } from './oauth-flow.ts';
import { SecretStoreError, type SecretStore } from './secret-store.ts';
import { SignInError, type SignInFailure } from './sign-in-error.ts';
import { TokenManager } from './token-manager.ts';

export const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60 * 1000;
/** Once the browser came back, Google gets this long (or the sign-in timeout, if shorter). */
const EXCHANGE_TIMEOUT_MS = 30 * 1000;
/** Ended attempts remembered, so a client that asks late still learns its outcome. */
const RECENT_ATTEMPTS = 20;
const ABOUT_CACHE_MS = 60 * 1000;
/**
 * How long a status waits for Drive's storage figures before answering with the cached ones: a
 * token endpoint or Drive that never answers must not hold `status` (nor the agent's start).
 */
const STORAGE_WAIT_MS = 5 * 1000;
const REVOKE_TIMEOUT_MS = 15 * 1000;
const NOT_SIGNED_IN = 'DriveUp is not signed in to Google';

export interface AuthServiceOptions {
  /** The `google` settings with environment overrides applied; read on every use. */
  google: () => GoogleSettings;
  secrets: SecretStore;
  bus?: Pick<EventBus<AuthEvents>, 'emit'>;
  logger?: Logger;
  openBrowser?: BrowserOpener;
  /** For the storage cache; tests move time instead of waiting. */
  now?: () => number;
  /** How long a status waits for storage figures (STORAGE_WAIT_MS by default). */
  storageWaitMs?: number;
  /** The Drive connections and pacer the uploader uses (its `transport`); its own otherwise. */
  driveTransport?: DriveTransport;
  /** Every request to Google goes through it (a system proxy); Node's own agents by default. */
  httpAgent?: HttpAgentFor;
}

export interface BeginSignInOptions {
  /** False when the caller shows the URL itself (a headless machine, a test). */
  openBrowser?: boolean;
  /** How long to wait for the browser; 5 minutes by default. */
  timeoutMs?: number;
}

export interface RequestSignInOptions extends BeginSignInOptions {
  /** Start over even though an account is signed in (another account, or fresh consent). */
  switchAccount?: boolean;
}

export interface SignInAttempt extends SignInAttemptView {
  /** Signed-in status, or a `SignInError` saying why not. Safe to ignore: never unhandled. */
  completion: Promise<AuthStatus>;
  /** How this attempt ended; never rejects. */
  outcome: Promise<SignInOutcome>;
}

export interface SignOutResult {
  /** False when Google could not be reached: local tokens are gone, but the grant may live on. */
  revokedAtGoogle: boolean;
  message: string;
  status: AuthStatus;
}

interface Attempt {
  id: string;
  url: string;
  expiresAt: Date;
  controller: AbortController;
  warnings: AuthWarning[];
  /** Set when something other than the attempt itself ended it. */
  endedBy?: 'superseded';
  outcome?: Promise<SignInOutcome>;
}

interface StorageCache {
  accountId: string;
  storage: StorageQuota;
  at: number;
}

/**
 * Google sign-in for the agent: one account at a time, its tokens in the secret store, and the
 * authorised client the Drive uploader asks for. Every change of state is announced as
 * `auth.changed` so the agent can pause and resume uploads.
 */
export class AuthService implements DriveAuth {
  readonly #google: () => GoogleSettings;
  readonly #secrets: SecretStore;
  readonly #accounts: AccountStore;
  readonly #tokens: TokenManager;
  readonly #bus: Pick<EventBus<AuthEvents>, 'emit'> | undefined;
  readonly #logger: Logger;
  readonly #openBrowser: BrowserOpener;
  readonly #now: () => number;
  #attempt: Attempt | undefined;
  readonly #recent = new Map<string, Attempt>();
  readonly #httpAgent: HttpAgentFor | undefined;
  #fallbackAgents: ReturnType<typeof nodeHttpAgents> | undefined;
  #storage: StorageCache | undefined;
  #storageWarning: AuthWarning | undefined;
  #storageRead: Promise<StorageQuota | null> | undefined;
  readonly #storageWaitMs: number;
  #signOutWarning: AuthWarning | undefined;

  readonly #driveTransport: DriveTransport;

  constructor(options: AuthServiceOptions) {
    this.#google = options.google;
    this.#secrets = options.secrets;
    this.#accounts = new AccountStore(options.secrets);
    this.#bus = options.bus;
    this.#logger = options.logger ?? silentLogger();
    this.#openBrowser = options.openBrowser ?? openInSystemBrowser;
    this.#now = options.now ?? Date.now;
    this.#storageWaitMs = options.storageWaitMs ?? STORAGE_WAIT_MS;
    this.#driveTransport =
      options.driveTransport ?? createDriveTransport(undefined, options.httpAgent);
    this.#httpAgent = options.httpAgent;
    this.#tokens = new TokenManager({
      accounts: this.#accounts,
      google: this.#google,
      logger: this.#logger,
      ...(options.httpAgent ? { httpAgent: options.httpAgent } : {}),
      onRefused: (accountId, refreshToken, error) =>
        this.#refused(accountId, refreshToken, describeGoogleError(error)),
    });
  }

  /** The current state; reads storage figures from Drive when the cached ones are stale. */
  async status(): Promise<AuthStatus> {
    const state = await this.#state();
    if (state.state !== 'signed-in') return this.#withWarnings(state);
    const storage = await this.#storageWithin(state.account.id);
    // Reading Drive may itself have found the sign-in refused.
    const after = await this.#state();
    return this.#withWarnings(after.state === 'signed-in' ? { ...after, storage } : after);
  }

  /**
   * Starts a sign-in: listens on the loopback interface, opens the consent page (unless told not
   * to) and returns its URL at once. A sign-in already under way is ended as superseded. Throws
   * `MissingClientCredentialsError` when no OAuth client is configured.
   */
  async beginSignIn(options: BeginSignInOptions = {}): Promise<SignInAttempt> {
    const google = this.#google();
    const credentials = requireClientCredentials(google);
    const timeoutMs = options.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
    const controller = new AbortController();
    const flow = await startOAuthFlow({
      credentials,
      ...(this.#httpAgent ? { httpAgent: this.#httpAgent } : {}),
      endpoint: google.endpoint,
      scope: google.scope,
      timeoutMs,
      exchangeTimeoutMs: Math.min(EXCHANGE_TIMEOUT_MS, timeoutMs),
      signal: controller.signal,
      driveTransport: this.#driveTransport,
      commit: (authorized) => this.#commit(authorized),
    });
    const attempt: Attempt = {
      id: randomUUID(),
      url: flow.url,
      expiresAt: new Date(Date.now() + timeoutMs),
      controller,
      warnings: [],
    };
    this.#end(this.#attempt, 'superseded');
    this.#attempt = attempt;
    this.#remember(attempt);
    this.#logger.info({ attemptId: attempt.id }, 'Google sign-in started');
    await this.#announce();
    if (options.openBrowser ?? true) void this.#open(attempt);
    const completion = flow.result.then(
      () => this.#finished(attempt),
      (error: unknown) => this.#failed(attempt, error),
    );
    completion.catch(() => undefined);
    const outcome = completion.then(
      (status) => this.#outcomeOf(attempt, status, undefined),
      (error: unknown) => this.#outcomeOf(attempt, undefined, error),
    );
    attempt.outcome = outcome;
    return { ...viewOf(attempt), completion, outcome };
  }

  /**
   * "Sign in", as a person asks it: with an account signed in and no `switchAccount`, nothing is
   * started and the answer says who is signed in.
   */
  async requestSignIn(options: RequestSignInOptions = {}): Promise<SignInRequestResult> {
    const current = await this.#state({ ignoreAttempt: true });
    if (current.state === 'signed-in' && !options.switchAccount) {
      return { kind: 'already-signed-in', account: current.account };
    }
    const { attemptId, url, expiresAt } = await this.beginSignIn(options);
    return { kind: 'started', attemptId, url, expiresAt };
  }

  /** How the attempt ended, once it has; undefined for an attempt this agent does not know. */
  signInOutcome(attemptId: string): Promise<SignInOutcome> | undefined {
    return this.#recent.get(attemptId)?.outcome;
  }

  /**
   * Stops the sign-in under way, if any (only when it is `attemptId`, if given): its listener
   * closes and its completion rejects. Returns whether an attempt was stopped.
   */
  cancelSignIn(attemptId?: string): boolean {
    const attempt = this.#attempt;
    if (!attempt || (attemptId !== undefined && attempt.id !== attemptId)) return false;
    this.#end(attempt);
    return true;
  }

  /**
   * Revokes DriveUp's access at Google and deletes the stored tokens. When Google cannot be
   * reached the local tokens are deleted all the same, and the result says so.
   */
  async signOut(): Promise<SignOutResult> {
    this.cancelSignIn();
    const account = await this.#accounts.current().catch(() => undefined);
    if (!account) {
      return { revokedAtGoogle: true, message: 'Not signed in.', status: await this.status() };
    }
    const revoke = await this.#revoke(account.id);
    await this.#accounts.remove(account.id);
    this.#tokens.forget();
    this.#storage = undefined;
    this.#signOutWarning = revoke.revoked
      ? undefined
      : { kind: 'not-revoked', detail: revoke.detail };
    this.#logger.info({ revokedAtGoogle: revoke.revoked }, 'signed out of Google');
    const status = await this.#announce();
    return { revokedAtGoogle: revoke.revoked, message: revoke.message, status };
  }

  /** The authorised client for Drive; throws `UploadError('auth', …)` unless signed in. */
  async client(): Promise<OAuth2Client> {
    const state = await this.#state({ ignoreAttempt: true });
    if (state.state === 'signed-out') throw new UploadError('auth', NOT_SIGNED_IN);
    if (state.state === 'needs-sign-in') throw new UploadError('auth', state.detail);
    if (state.state !== 'signed-in') throw new UploadError('auth', NOT_SIGNED_IN);
    try {
      return await this.#tokens.client(state.account.id);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new UploadError('auth', detail, { cause: error });
    }
  }

  /**
   * For the upload path: a Drive call failed with `invalid_grant`. Refreshes made by `client()`'s
   * client are detected here already; this covers anything else. A report about a client from
   * before the latest sign-in is ignored.
   */
  async reportInvalidGrant(report: { client?: OAuth2Client; error?: unknown } = {}): Promise<void> {
    if (report.error !== undefined && !isInvalidGrant(report.error)) return;
    if (report.client && !(await this.#tokens.isCurrent(report.client))) return;
    const account = await this.#accounts.current();
    if (!account) return;
    const detail = report.error === undefined ? 'invalid_grant' : describeGoogleError(report.error);
    await this.#refused(account.id, undefined, detail);
  }

  #end(attempt: Attempt | undefined, endedBy?: 'superseded'): void {
    if (!attempt) return;
    if (this.#attempt === attempt) this.#attempt = undefined;
    if (endedBy) attempt.endedBy = endedBy;
    attempt.controller.abort();
  }

  #remember(attempt: Attempt): void {
    this.#recent.set(attempt.id, attempt);
    for (const id of this.#recent.keys()) {
      if (this.#recent.size <= RECENT_ATTEMPTS) break;
      this.#recent.delete(id);
    }
  }

  /** Each attempt's own ending, announced whatever other attempts did meanwhile. */
  async #outcomeOf(
    attempt: Attempt,
    status: AuthStatus | undefined,
    error: unknown,
  ): Promise<SignInOutcome> {
    let outcome: SignInOutcome;
    if (status?.state === 'signed-in') {
      outcome = { kind: 'signed-in', account: status.account };
    } else {
      const now = await this.#state({ ignoreAttempt: true }).catch(() => undefined);
      outcome = {
        kind: 'failed',
        ...failureOf(attempt, error),
        account: now?.state === 'signed-in' ? now.account : null,
      };
    }
    this.#bus?.emit('auth.attemptEnded', { attemptId: attempt.id, outcome });
    return outcome;
  }

  /** Cancels a sign-in under way; for the agent's `stop()`. */
  close(): void {
    this.cancelSignIn();
    this.#fallbackAgents?.destroy();
  }

  async #state(options: { ignoreAttempt?: boolean } = {}): Promise<AuthState> {
    if (this.#attempt && !options.ignoreAttempt)
      return { state: 'signing-in', url: this.#attempt.url };
    let account: (AccountSummary & StoredAccount) | undefined;
    try {
      account = await this.#accounts.current();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { state: 'needs-sign-in', cause: unreadableCause(error), detail, account: null };
    }
    if (!account) return { state: 'signed-out' };
    const summary = { id: account.id, email: account.email, displayName: account.displayName };
    if (account.needsSignIn)
      return {
        state: 'needs-sign-in',
        cause: 'refused',
        detail: account.needsSignIn,
        account: summary,
      };
    const scopeProblem = this.#scopeProblem(account.scope);
    if (scopeProblem)
      return {
        state: 'needs-sign-in',
        cause: 'scope-missing',
        detail: scopeProblem,
        account: summary,
      };
    const cached = this.#storage?.accountId === account.id ? this.#storage.storage : null;
    return { state: 'signed-in', account: summary, storage: cached };
  }

  /** The `google.scope` setting asks for more than the stored grant covers: the scope wanted. */
  #scopeProblem(granted: string): string | undefined {
    const wanted = this.#google().scope;
    const scopes = granted.split(/\s+/);
    if (scopes.includes(SCOPE_URLS[wanted]) || scopes.includes(SCOPE_URLS.drive)) return undefined;
    return wanted;
  }

  /** Fresh figures when Drive answers in time; the cached ones (and a warning) when it does not. */
  async #storageWithin(accountId: string): Promise<StorageQuota | null> {
    // One read at a time: a Drive that hangs is not asked again by every status meanwhile.
    this.#storageRead ??= this.#freshStorage(accountId).finally(
      () => (this.#storageRead = undefined),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.#storageWaitMs).unref();
    });
    const answer = await Promise.race([this.#storageRead, late]);
    clearTimeout(timer);
    if (answer !== 'late') return answer;
    const waited = Number((this.#storageWaitMs / 1000).toFixed(1));
    this.#storageWarning = {
      kind: 'storage-unknown',
      detail: `no answer within ${waited} s; storage use shown may be out of date`,
    };
    return this.#storage?.accountId === accountId ? this.#storage.storage : null;
  }

  async #freshStorage(accountId: string): Promise<StorageQuota | null> {
    const cached = this.#storage;
    if (cached?.accountId === accountId && this.#now() - cached.at < ABOUT_CACHE_MS) {
      return cached.storage;
    }
    try {
      const client = await this.#tokens.client(accountId);
      const apiRoot = googleEndpoints(this.#google().endpoint).apiRoot;
      const about = await fetchDriveAbout(client, apiRoot, this.#driveTransport);
      this.#storage = { accountId, storage: about.storage, at: this.#now() };
      this.#storageWarning = undefined;
      return about.storage;
    } catch (error) {
      this.#storageWarning = { kind: 'storage-unknown', detail: describeGoogleError(error) };
      this.#logger.warn({ reason: describeGoogleError(error) }, 'reading Drive about failed');
      return cached?.accountId === accountId ? cached.storage : null;
    }
  }

  async #withWarnings(state: AuthState): Promise<AuthStatus> {
    const warnings: AuthWarning[] = [];
    const store = await this.#secrets.describe();
    if (store.protection === null || store.protection === 'none') {
      warnings.push({
        kind: 'tokens-unprotected',
        where: store.where,
        protection: store.protection,
      });
    }
    if (state.state === 'signing-in' && this.#attempt) warnings.push(...this.#attempt.warnings);
    if (state.state === 'signed-in' && this.#storageWarning) warnings.push(this.#storageWarning);
    if (state.state === 'signed-out' && this.#signOutWarning) warnings.push(this.#signOutWarning);
    return { ...state, warnings };
  }

  async #announce(): Promise<AuthStatus> {
    const status = await this.#withWarnings(await this.#state());
    this.#bus?.emit('auth.changed', { status });
    return status;
  }

  async #open(attempt: Attempt): Promise<void> {
    try {
      await this.#openBrowser(attempt.url);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      attempt.warnings.push({ kind: 'browser-not-opened', detail, url: attempt.url });
      this.#logger.warn({ reason: detail }, 'could not open the browser for sign-in');
      if (this.#attempt === attempt) await this.#announce();
    }
  }

  async #commit(authorized: Authorized): Promise<void> {
    await this.#accounts.signedIn(authorized.about.account, authorized.scope, authorized.tokens);
    this.#tokens.forget();
    this.#storage = {
      accountId: authorized.about.account.id,
      storage: authorized.about.storage,
      at: this.#now(),
    };
    this.#storageWarning = undefined;
    this.#signOutWarning = undefined;
  }

  async #finished(attempt: Attempt): Promise<AuthStatus> {
    if (this.#attempt === attempt) this.#attempt = undefined;
    const status = await this.#announce();
    if (status.state === 'signed-in') {
      this.#logger.info({ accountId: status.account.id }, 'signed in to Google');
    }
    return status;
  }

  async #failed(attempt: Attempt, error: unknown): Promise<never> {
    const wasCurrent = this.#attempt === attempt;
    if (wasCurrent) this.#attempt = undefined;
    const { reason } = failureOf(attempt, error);
    this.#logger.warn({ attemptId: attempt.id, reason }, 'Google sign-in did not complete');
    // When a newer attempt replaced this one, that attempt's announcement is the news.
    if (wasCurrent || this.#attempt === undefined) await this.#announce();
    throw error;
  }

  async #refused(
    accountId: string,
    refreshToken: string | undefined,
    detail: string,
  ): Promise<void> {
    if (!(await this.#accounts.refused(accountId, refreshToken, detail))) return;
    this.#tokens.forget();
    this.#logger.warn({ accountId }, 'Google refused the stored sign-in: sign-in needed');
    await this.#announce();
  }

  async #revoke(
    accountId: string,
  ): Promise<
    { revoked: true; message: string } | { revoked: false; message: string; detail: string }
  > {
    const tokens = await this.#accounts.tokens(accountId).catch(() => undefined);
    const token = tokens?.refresh_token ?? tokens?.access_token;
    if (!token) return { revoked: true, message: 'Signed out.' };
    try {
      // In the body rather than the URL, where proxies and server logs would keep it.
      const response = await postForm(
        googleEndpoints(this.#google().endpoint).oauth.oauth2RevokeUrl,
        { token },
        { agentFor: this.#agentFor(), timeoutMs: REVOKE_TIMEOUT_MS },
      );
      if ((response.status >= 200 && response.status < 300) || alreadyDead(response)) {
        return {
          revoked: true,
          message: "Signed out, and DriveUp's access was revoked at Google.",
        };
      }
      return this.#revokeFailed(`HTTP ${response.status}`);
    } catch (error) {
      return this.#revokeFailed(describeGoogleError(error));
    }
  }

  #agentFor(): HttpAgentFor {
    return this.#httpAgent ?? (this.#fallbackAgents ??= nodeHttpAgents()).agentFor;
  }

  #revokeFailed(detail: string): { revoked: false; message: string; detail: string } {
    this.#logger.warn({ reason: detail }, 'revoking at Google failed; local tokens deleted anyway');
    return {
      revoked: false,
      detail,
      message: `Signed out on this computer (the stored tokens are deleted), but Google could not be reached to revoke DriveUp's access (${detail}). To revoke it yourself, remove DriveUp at https://myaccount.google.com/permissions.`,
    };
  }
}

function viewOf(attempt: Attempt): SignInAttemptView {
  return { attemptId: attempt.id, url: attempt.url, expiresAt: attempt.expiresAt };
}

function failureOf(attempt: Attempt, error: unknown): { reason: SignInFailure; message: string } {
  if (attempt.endedBy === 'superseded') {
    return {
      reason: 'superseded',
      message: 'A newer sign-in replaced this one before it was completed; use the newer address.',
    };
  }
  if (error instanceof SignInError) return { reason: error.reason, message: error.message };
  const detail = error instanceof Error ? error.message : String(error);
  return { reason: 'exchange-failed', message: `Signing in failed: ${detail}` };
}

/** Google answers `invalid_token` for a token it already revoked or let expire: nothing is left to revoke. */
function alreadyDead(response: { status: number; text: string }): boolean {
  if (response.status !== 400) return false;
  try {
    return (JSON.parse(response.text) as { error?: unknown }).error === 'invalid_token';
  } catch {
    return false;
  }
}

/** Tokens that exist and cannot be read: sealed without a key here, another key, or damaged. */
function unreadableCause(error: unknown): NeedsSignInCause {
  if (error instanceof SecretStoreError) {
    if (error.problem === 'locked') return 'tokens-locked';
    if (error.problem === 'wrong-key') return 'tokens-wrong-key';
  }
  return 'tokens-damaged';
}
