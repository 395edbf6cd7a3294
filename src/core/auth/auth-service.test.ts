import { readdir, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGoogle } from '../../../test/support/fake-google/index.ts';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { UploadError } from '../drive/uploader.ts';
import { EventBus } from '../events/event-bus.ts';
import { createFileLogger, type Logger } from '../log/logger.ts';
import type { AuthEvents } from './auth-events.ts';
import { AuthService } from './auth-service.ts';
import type { AuthStatus } from './auth-status.ts';
import type { BrowserOpener } from './browser-opener.ts';
import {
  MISSING_CLIENT_CREDENTIALS_MESSAGE,
  MissingClientCredentialsError,
  type GoogleSettings,
} from './client-credentials.ts';
import { PassphraseCipher } from './passphrase-cipher.ts';
import { FileSecretStore } from './file-secret-store.ts';
import { SignInError } from './sign-in-error.ts';

const CLIENT = { clientId: 'driveup-test.apps.googleusercontent.com', clientSecret: 'GOCSPX-test' };
const tempDir = useTempDir();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Fake = Awaited<ReturnType<typeof startFakeGoogle>>;

interface BrowserVisit {
  /** Where Google sent the browser back to. */
  location: URL;
  status: number;
  html: string;
}

/** Follows the consent URL as a browser would: Google's 302, then the loopback page. */
async function visit(url: string, tamper?: (location: URL) => void): Promise<BrowserVisit> {
  const consent = await fetch(url, { redirect: 'manual' });
  const location = new URL(consent.headers.get('location') ?? '');
  tamper?.(location);
  const page = await fetch(location);
  return { location, status: page.status, html: await page.text() };
}

/** A system browser stand-in: each opened URL is visited; `visits` resolve when pages loaded. */
function fakeBrowser(tamper?: (location: URL) => void) {
  const visits: Promise<BrowserVisit>[] = [];
  const opener: BrowserOpener = async (url) => {
    const visited = visit(url, tamper);
    visited.catch(() => undefined);
    visits.push(visited);
  };
  return { opener, visits };
}

interface Setup {
  fake: Fake;
  bus: EventBus<AuthEvents>;
  service: AuthService;
  events: AuthStatus[];
  secretsDir: string;
  google: GoogleSettings;
  browser: ReturnType<typeof fakeBrowser>;
  clock: { now: number };
  newService(overrides?: { passphrase?: string }): AuthService;
}

async function setup(
  options: {
    accessTokenTtlSeconds?: number;
    passphrase?: string;
    logger?: Logger;
    tamper?: (location: URL) => void;
    opener?: BrowserOpener;
    storageWaitMs?: number;
  } = {},
): Promise<Setup> {
  const fake = await startFakeGoogle({
    ...CLIENT,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
  });
  cleanups.push(() => fake.close());
  const secretsDir = join(await tempDir(), 'secrets');
  const google: GoogleSettings = { ...CLIENT, endpoint: fake.url, scope: 'drive.file' };
  const events: AuthStatus[] = [];
  const bus = new EventBus<AuthEvents>();
  bus.on('auth.changed', ({ status }) => events.push(status));
  const browser = fakeBrowser(options.tamper);
  const clock = { now: 1_000_000 };
  const newService = (overrides: { passphrase?: string } = {}) => {
    const service = new AuthService({
      google: () => google,
      secrets: new FileSecretStore({
        dir: secretsDir,
        cipher: cipherFor(overrides.passphrase ?? options.passphrase),
      }),
      bus,
      logger: options.logger,
      openBrowser: options.opener ?? browser.opener,
      now: () => clock.now,
      storageWaitMs: options.storageWaitMs,
    });
    cleanups.push(() => service.close());
    return service;
  };
  return {
    fake,
    bus,
    service: newService(),
    events,
    secretsDir,
    google,
    browser,
    clock,
    newService,
  };
}

async function signIn(s: Setup): Promise<AuthStatus> {
  const attempt = await s.service.beginSignIn();
  return attempt.completion;
}

async function signInError(completion: Promise<unknown>): Promise<SignInError> {
  const error = await completion.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignInError);
  return error as SignInError;
}

function tryConnect(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

async function storedTokens(s: Setup): Promise<Record<string, unknown>> {
  const files = (await readdir(s.secretsDir)).filter((f) => f.startsWith('google-tokens.'));
  expect(files).toHaveLength(1);
  const store = new FileSecretStore({ dir: s.secretsDir });
  return JSON.parse((await store.get(files[0]!.replace(/\.json$/, '')))!) as Record<
    string,
    unknown
  >;
}

async function tokenFiles(s: Setup): Promise<string[]> {
  return (await readdir(s.secretsDir)).filter((f) => f.startsWith('google-tokens.'));
}

function aboutUrl(fake: Fake): string {
  return `${fake.url.replace(/\/$/, '')}/drive/v3/about?fields=user`;
}

describe('AuthService sign-in', () => {
  it('signs in through the system browser, a loopback redirect and PKCE', async () => {
    const s = await setup();
    expect((await s.service.status()).state).toBe('signed-out');

    const attempt = await s.service.beginSignIn();
    const url = new URL(attempt.url);
    expect(url.origin + url.pathname).toBe(new URL('/o/oauth2/v2/auth', s.fake.url).href);
    const p = url.searchParams;
    expect(p.get('client_id')).toBe(CLIENT.clientId);
    expect(p.get('response_type')).toBe('code');
    expect(p.get('scope')).toBe('https://www.googleapis.com/auth/drive.file');
    expect(p.get('access_type')).toBe('offline');
    expect(p.get('prompt')).toBe('consent');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('state')!.length).toBeGreaterThanOrEqual(32);
    const redirectUri = new URL(p.get('redirect_uri')!);
    expect(redirectUri.protocol + redirectUri.hostname).toBe('http:127.0.0.1');
    expect(Number(redirectUri.port)).toBeGreaterThan(0);

    const status = await attempt.completion;
    expect(status).toMatchObject({
      state: 'signed-in',
      account: { email: expect.stringContaining('@'), displayName: expect.any(String) },
      storage: { usedBytes: expect.any(Number) },
    });
    const page = await s.browser.visits[0]!;
    expect(page.status).toBe(200);
    expect(page.html).toContain('You can close this tab');
    expect(s.events.map((e) => e.state)).toEqual(['signing-in', 'signed-in']);
    expect(s.events[0]).toMatchObject({ state: 'signing-in', url: attempt.url });
    expect(await tryConnect(redirectUri.href)).toBe('ECONNREFUSED');

    const client = await s.service.client();
    const about = await client.request<{ user: { emailAddress: string } }>({
      url: aboutUrl(s.fake),
    });
    expect(about.data.user.emailAddress).toBe(
      (status as { account: { email: string } }).account.email,
    );
  });

  it('keeps tokens in a 0600 file inside a 0700 directory, per account, with an index', async () => {
    const s = await setup();
    const status = await signIn(s);
    const files = await readdir(s.secretsDir);
    const id = (status as { account: { id: string } }).account.id;
    expect(files.sort()).toEqual(['google-accounts.json', `google-tokens.${id}.json`]);
    expect((await stat(s.secretsDir)).mode & 0o777).toBe(0o700);
    for (const file of files)
      expect((await stat(join(s.secretsDir, file))).mode & 0o777).toBe(0o600);
    expect(await storedTokens(s)).toMatchObject({
      refresh_token: expect.any(String),
      access_token: expect.any(String),
      expiry_date: expect.any(Number),
    });
  });

  it('warns while tokens are stored unencrypted, and not once a passphrase seals them', async () => {
    const plain = await setup();
    expect((await plain.service.status()).warnings).toEqual([
      { kind: 'tokens-unprotected', where: plain.secretsDir, protection: null },
    ]);
    const encrypted = await setup({ passphrase: 'a long passphrase' });
    expect((await encrypted.service.status()).warnings).toEqual([]);
  });

  it('stays signed in across a restart, and encrypted tokens hold no plaintext', async () => {
    const s = await setup({ passphrase: 'a long passphrase' });
    await signIn(s);
    const files = await tokenFiles(s);
    const raw = await readFile(join(s.secretsDir, files[0]!), 'utf8');
    const tokens = JSON.parse(
      (await new FileSecretStore({ dir: s.secretsDir, cipher: cipherFor('a long passphrase') }).get(
        files[0]!.replace(/\.json$/, ''),
      ))!,
    ) as { refresh_token: string; access_token: string };
    expect(raw).not.toContain(tokens.refresh_token);
    expect(raw).not.toContain(tokens.access_token);

    const restarted = s.newService();
    expect((await restarted.status()).state).toBe('signed-in');
    await (await restarted.client()).request({ url: aboutUrl(s.fake) });

    const wrongKey = s.newService({ passphrase: 'not the key' });
    const status = await wrongKey.status();
    expect(status).toMatchObject({ state: 'needs-sign-in', cause: 'tokens-wrong-key' });
    await expect(wrongKey.client()).rejects.toBeInstanceOf(UploadError);

    // Signing in again is the way out of a lost key.
    const attempt = await wrongKey.beginSignIn();
    expect((await attempt.completion).state).toBe('signed-in');
  });

  it('ignores a request to the loopback port without the right state; the sign-in goes on', async () => {
    const s = await setup();
    const attempt = await s.service.beginSignIn({ openBrowser: false });
    const redirectUri = new URL(attempt.url).searchParams.get('redirect_uri')!;
    // Another local user tries to end the attempt: with no state, and with a guessed one.
    for (const query of ['?error=access_denied', '?state=guess&error=access_denied', '?code=x']) {
      const response = await fetch(`${redirectUri}${query}`);
      expect(response.status).toBe(400);
      await response.text();
    }
    expect((await s.service.status()).state).toBe('signing-in');
    const page = await visit(attempt.url);
    expect(page.status).toBe(200);
    expect((await attempt.completion).state).toBe('signed-in');
    expect(await tokenFiles(s)).toHaveLength(1);
  });

  it('reports a refusal on the consent page clearly', async () => {
    const s = await setup();
    s.fake.setConsent('deny');
    const attempt = await s.service.beginSignIn();
    const error = await signInError(attempt.completion);
    expect(error.reason).toBe('denied');
    expect(error.message).toMatch(/declined/);
    expect((await s.browser.visits[0]!).html).toMatch(/declined/);
    expect(s.events.map((e) => e.state)).toEqual(['signing-in', 'signed-out']);
  });

  it('gives up after the timeout and leaves nothing listening', async () => {
    const s = await setup();
    const attempt = await s.service.beginSignIn({ openBrowser: false, timeoutMs: 50 });
    expect(s.browser.visits).toHaveLength(0);
    const error = await signInError(attempt.completion);
    expect(error.reason).toBe('timeout');
    const redirectUri = new URL(attempt.url).searchParams.get('redirect_uri')!;
    expect(await tryConnect(redirectUri)).toBe('ECONNREFUSED');
    expect((await s.service.status()).state).toBe('signed-out');
  });

  it('cancels on request and leaves nothing listening', async () => {
    const s = await setup();
    const attempt = await s.service.beginSignIn({ openBrowser: false });
    expect(await s.service.status()).toMatchObject({ state: 'signing-in', url: attempt.url });
    s.service.cancelSignIn();
    expect((await signInError(attempt.completion)).reason).toBe('cancelled');
    const redirectUri = new URL(attempt.url).searchParams.get('redirect_uri')!;
    expect(await tryConnect(redirectUri)).toBe('ECONNREFUSED');
    expect(s.events.map((e) => e.state)).toEqual(['signing-in', 'signed-out']);
  });

  it('cancels the previous attempt when a new one begins', async () => {
    const s = await setup();
    const first = await s.service.beginSignIn({ openBrowser: false });
    const second = await s.service.beginSignIn({ openBrowser: false });
    expect((await signInError(first.completion)).reason).toBe('cancelled');
    expect(await tryConnect(new URL(first.url).searchParams.get('redirect_uri')!)).toBe(
      'ECONNREFUSED',
    );
    await visit(second.url);
    expect((await second.completion).state).toBe('signed-in');
  });

  it('tells the user to open the URL themselves when no browser can be started', async () => {
    const s = await setup({
      opener: () => Promise.reject(new Error('spawn xdg-open ENOENT')),
    });
    const warned = new Promise<AuthStatus>((resolve) =>
      s.bus.on('auth.changed', ({ status }) => {
        if (status.warnings.some((w) => w.kind === 'browser-not-opened')) resolve(status);
      }),
    );
    const attempt = await s.service.beginSignIn();
    const status = await warned;
    expect(status.state).toBe('signing-in');
    expect(status.warnings).toContainEqual({
      kind: 'browser-not-opened',
      detail: 'spawn xdg-open ENOENT',
      url: attempt.url,
    });
    await visit(attempt.url);
    expect((await attempt.completion).state).toBe('signed-in');
  });

  it('keeps the signed-in account usable while a new sign-in is pending', async () => {
    const s = await setup();
    await signIn(s);
    const attempt = await s.service.beginSignIn({ openBrowser: false });
    const client = await s.service.client();
    expect((await client.request({ url: aboutUrl(s.fake) })).status).toBe(200);
    s.service.cancelSignIn();
    await signInError(attempt.completion);
    expect((await s.service.status()).state).toBe('signed-in');
  });

  it('asks for the full drive scope only when the setting says so', async () => {
    const s = await setup();
    s.google.scope = 'drive';
    const attempt = await s.service.beginSignIn({ openBrowser: false });
    expect(new URL(attempt.url).searchParams.get('scope')).toBe(
      'https://www.googleapis.com/auth/drive',
    );
    s.service.cancelSignIn();
  });

  it('asks to sign in again when the scope setting grows beyond the grant', async () => {
    const s = await setup();
    await signIn(s);
    s.google.scope = 'drive';
    const status = await s.service.status();
    expect(status).toMatchObject({
      state: 'needs-sign-in',
      cause: 'scope-missing',
      detail: 'drive',
    });
  });

  it('explains how to create an OAuth client when none is configured', async () => {
    const s = await setup();
    delete s.google.clientId;
    const error = await s.service.beginSignIn().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingClientCredentialsError);
    const message = (error as Error).message;
    // How to make one is each face's to say (the CLI's steps, the Sign-in window's form).
    expect(message).toBe(MISSING_CLIENT_CREDENTIALS_MESSAGE);
    expect((error as MissingClientCredentialsError).kind).toBe('missing-client-credentials');
  });

  it('reads storage figures from Drive only when the cached ones are stale', async () => {
    const s = await setup();
    await signIn(s);
    const before = s.fake.requestCount('GET /drive/v3/about');
    await s.service.status();
    await s.service.status();
    expect(s.fake.requestCount('GET /drive/v3/about')).toBe(before);
    s.clock.now += 61_000;
    await s.service.status();
    expect(s.fake.requestCount('GET /drive/v3/about')).toBe(before + 1);
  });

  it('answers in time when Drive never answers, with the last figures and a warning', async () => {
    const s = await setup({ storageWaitMs: 300 });
    const signedIn = await signIn(s);
    expect(signedIn.state === 'signed-in' && signedIn.storage).toBeTruthy();
    s.clock.now += 61_000;
    s.fake.addFault({ method: 'GET', path: '/drive/v3/about', hang: true, times: Infinity });
    const asked = s.fake.requestCount('GET /drive/v3/about');
    const status = await s.service.status();
    expect(status).toMatchObject({
      state: 'signed-in',
      storage: signedIn.state === 'signed-in' ? signedIn.storage : null,
      warnings: expect.arrayContaining([
        { kind: 'storage-unknown', detail: expect.stringMatching(/no answer within 0\.3 s/) },
      ]),
    });
    // The hanging read is not started again by every status meanwhile.
    await s.service.status();
    expect(s.fake.requestCount('GET /drive/v3/about')).toBe(asked + 1);
  });
});

describe('AuthService tokens', () => {
  it('refreshes before the access token expires and keeps the refresh token', async () => {
    // A token living less than the five-minute margin is due for refresh at once.
    const s = await setup({ accessTokenTtlSeconds: 120 });
    await signIn(s);
    const before = await storedTokens(s);
    const refreshes = s.fake.requestCount('POST /token');
    const { token } = await (await s.service.client()).getAccessToken();
    expect(s.fake.requestCount('POST /token')).toBe(refreshes + 1);
    expect(token).not.toBe(before.access_token);
    const after = await storedTokens(s);
    expect(after.access_token).toBe(token);
    expect(after.refresh_token).toBe(before.refresh_token);
    expect(after.expiry_date as number).toBeGreaterThan(before.expiry_date as number);
  });

  it('refreshes and retries after a 401, persisting the new token', async () => {
    const s = await setup();
    await signIn(s);
    const before = await storedTokens(s);
    s.fake.expireAccessTokens();
    const client = await s.service.client();
    const about = await client.request<{ user: unknown }>({ url: aboutUrl(s.fake) });
    expect(about.status).toBe(200);
    const after = await storedTokens(s);
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).toBe(before.refresh_token);
  });

  it('asks to sign in again when Google refuses the refresh token, then recovers', async () => {
    const s = await setup();
    await signIn(s);
    s.events.length = 0;
    s.fake.revokeAllRefreshTokens();
    const client = await s.service.client();
    await expect(client.request({ url: aboutUrl(s.fake) })).rejects.toThrow();

    const status = await s.service.status();
    expect(status).toMatchObject({ state: 'needs-sign-in', cause: 'refused' });
    expect(s.events.map((e) => e.state)).toEqual(['needs-sign-in']);
    const refused = await s.service.client().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UploadError);
    expect((refused as UploadError).kind).toBe('auth');
    expect(await tokenFiles(s)).toEqual([]);

    expect((await signIn(s)).state).toBe('signed-in');
    expect(s.events.at(-1)?.state).toBe('signed-in');
    const fresh = await s.service.client();
    expect((await fresh.request({ url: aboutUrl(s.fake) })).status).toBe(200);
  });

  it('takes an invalid_grant reported by the upload path', async () => {
    const s = await setup();
    await signIn(s);
    await s.service.reportInvalidGrant();
    expect((await s.service.status()).state).toBe('needs-sign-in');
    expect(s.events.at(-1)?.state).toBe('needs-sign-in');
  });

  it('ignores an invalid_grant report about a client from before the latest sign-in', async () => {
    const s = await setup();
    await signIn(s);
    const old = await s.service.client();
    await signIn(s);
    await s.service.reportInvalidGrant({ client: old });
    expect((await s.service.status()).state).toBe('signed-in');
  });

  it('throws an auth UploadError from client() when nobody is signed in', async () => {
    const s = await setup();
    const error = await s.service.client().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect((error as UploadError).kind).toBe('auth');
  });
});

describe('AuthService sign-out', () => {
  it('revokes at Google and deletes the stored tokens', async () => {
    const s = await setup();
    await signIn(s);
    const { refresh_token } = await storedTokens(s);
    const result = await s.service.signOut();
    expect(result.revokedAtGoogle).toBe(true);
    expect(result.status.state).toBe('signed-out');
    expect(s.events.at(-1)?.state).toBe('signed-out');
    expect(await tokenFiles(s)).toEqual([]);
    expect((await s.service.status()).state).toBe('signed-out');
    await expect(s.service.client()).rejects.toBeInstanceOf(UploadError);

    const refresh = await fetch(new URL('/token', s.fake.url), {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refresh_token as string,
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      }),
    });
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('still deletes local tokens when Google cannot be reached, and says so', async () => {
    const s = await setup();
    await signIn(s);
    await s.fake.close();
    const result = await s.service.signOut();
    expect(result.revokedAtGoogle).toBe(false);
    expect(result.message).toMatch(/could not be reached/);
    expect(result.message).toMatch(/myaccount\.google\.com\/permissions/);
    expect(await tokenFiles(s)).toEqual([]);
    const status = await s.service.status();
    expect(status.state).toBe('signed-out');
    expect(status.warnings).toEqual([
      expect.objectContaining({ kind: 'tokens-unprotected' }),
      { kind: 'not-revoked', detail: expect.any(String) },
    ]);
  });
});

describe('AuthService logging', () => {
  it('never writes a token or the authorization code to the log file', async () => {
    const stateDir = await tempDir();
    const log = await createFileLogger({ stateDir, level: 'trace' });
    const s = await setup({ logger: log.logger });
    await signIn(s);
    const code = (await s.browser.visits[0]!).location.searchParams.get('code')!;
    const first = await storedTokens(s);
    s.fake.expireAccessTokens();
    await (await s.service.client()).request({ url: aboutUrl(s.fake) });
    const second = await storedTokens(s);
    s.fake.revokeAllRefreshTokens();
    await (await s.service.client()).request({ url: aboutUrl(s.fake) }).catch(() => undefined);
    await signIn(s);
    await s.service.signOut();
    await log.close();

    const secrets = [code, first.access_token, first.refresh_token, second.access_token];
    expect(secrets.every((x) => typeof x === 'string' && x.length > 10)).toBe(true);
    const files = await readdir(stateDir);
    const text = (
      await Promise.all(files.map((f) => readFile(join(stateDir, f), 'utf8').catch(() => '')))
    ).join('\n');
    expect(text).toMatch(/signed in to Google/);
    expect(text).toMatch(/refused the stored sign-in/);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

function cipherFor(passphrase: string | undefined): PassphraseCipher | null {
  return passphrase ? new PassphraseCipher(passphrase) : null;
}
