import type { HttpAgentFor } from '../net/http-agents.ts';
import { randomBytes } from 'node:crypto';
import { CodeChallengeMethod, type Credentials } from 'google-auth-library';
import { googleEndpoints } from '../config/google-endpoints.ts';
import type { DriveTransport } from '../drive/drive-client.ts';
import type { StoredTokens } from './account-store.ts';
import type { ClientCredentials } from './client-credentials.ts';
import { fetchDriveAbout, type DriveAbout } from './drive-about.ts';
import { describeGoogleError } from '../drive/google-error.ts';
import { createOAuthClient } from './google-oauth-client.ts';
import { describeSpan, listenForRedirect } from './loopback-redirect.ts';
import { SignInError } from './sign-in-error.ts';

export const SCOPE_URLS = {
  'drive.file': 'https://www.googleapis.com/auth/drive.file',
  drive: 'https://www.googleapis.com/auth/drive',
} as const;
export type ScopeSetting = keyof typeof SCOPE_URLS;

export interface Authorized {
  about: DriveAbout;
  tokens: StoredTokens;
  /** What Google granted, space-separated. */
  scope: string;
}

export interface OAuthFlowOptions {
  credentials: ClientCredentials;
  endpoint?: string | undefined;
  scope: ScopeSetting;
  /** How long to wait for the browser to come back. */
  timeoutMs: number;
  /** How long Google may take to answer once it has (exchanging the code, reading the account). */
  exchangeTimeoutMs: number;
  signal: AbortSignal;
  /** The agent's Drive connections and pacer, for reading who signed in. */
  driveTransport: DriveTransport;
  /** Stores the result; runs before the browser is told sign-in succeeded. */
  commit(authorized: Authorized): Promise<void>;
  /** The connection agent for the requests to Google (a system proxy). */
  httpAgent?: HttpAgentFor;
}

export interface OAuthFlow {
  /** The consent page to show in the system browser. */
  url: string;
  /** Settles when the listener has closed: committed, or a `SignInError`. */
  result: Promise<Authorized>;
}

/**
 * OAuth 2.0 for installed apps: consent in the system browser, a loopback redirect, PKCE (S256), a
 * random `state`, and offline access so a refresh token comes back. `prompt=consent` makes Google
 * issue a refresh token even when the user had already granted access before.
 */
export async function startOAuthFlow(options: OAuthFlowOptions): Promise<OAuthFlow> {
  // Ends Google's answer when it takes too long; a cancel ends it too.
  const deadline = new AbortController();
  const client = createOAuthClient({
    credentials: options.credentials,
    endpoint: options.endpoint,
    signal: AbortSignal.any([options.signal, deadline.signal]),
    ...(options.httpAgent ? { httpAgent: options.httpAgent } : {}),
  });
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state = randomBytes(32).toString('base64url');
  let redirectUri = '';
  const redirect = await listenForRedirect<Authorized>({
    state,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    onCode: async (code) => {
      const timer = setTimeout(() => deadline.abort(), options.exchangeTimeoutMs);
      try {
        const authorized = await authorize(client, { code, codeVerifier, redirectUri }, options);
        return { value: authorized, message: signedInMessage(authorized) };
      } catch (error) {
        if (options.signal.aborted) throw cancelled();
        if (deadline.signal.aborted) throw googleTimedOut(options.exchangeTimeoutMs);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  });
  redirectUri = redirect.redirectUri;
  const url = client.generateAuthUrl({
    access_type: 'offline',
    prompt: 'consent',
    scope: [SCOPE_URLS[options.scope]],
    state,
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
    redirect_uri: redirectUri,
  });
  return { url, result: redirect.result };
}

async function authorize(
  client: ReturnType<typeof createOAuthClient>,
  request: { code: string; codeVerifier: string | undefined; redirectUri: string },
  options: OAuthFlowOptions,
): Promise<Authorized> {
  const exchanged = await exchange(client, request);
  client.setCredentials(exchanged);
  const about = await readAccount(client, options.endpoint, options.driveTransport);
  // Reading Drive may have refreshed the access token already: keep the newest.
  const tokens = { ...client.credentials, refresh_token: exchanged.refresh_token };
  const authorized = { about, tokens, scope: exchanged.scope ?? SCOPE_URLS[options.scope] };
  if (options.signal.aborted) throw cancelled();
  await commit(options, authorized);
  return authorized;
}

async function exchange(
  client: ReturnType<typeof createOAuthClient>,
  request: { code: string; codeVerifier: string | undefined; redirectUri: string },
): Promise<StoredTokens> {
  let tokens: Credentials;
  try {
    ({ tokens } = await client.getToken({
      code: request.code,
      codeVerifier: request.codeVerifier,
      redirect_uri: request.redirectUri,
    }));
  } catch (error) {
    throw new SignInError(
      'exchange-failed',
      `Google did not complete the sign-in (${describeGoogleError(error)}). Please try again.`,
      { cause: error },
    );
  }
  if (!tokens.refresh_token) {
    throw new SignInError(
      'exchange-failed',
      'Google granted access without a refresh token, so DriveUp could not stay signed in. Please try again.',
    );
  }
  return { ...tokens, refresh_token: tokens.refresh_token };
}

async function readAccount(
  client: ReturnType<typeof createOAuthClient>,
  endpoint: string | undefined,
  transport: DriveTransport,
): Promise<DriveAbout> {
  try {
    return await fetchDriveAbout(client, googleEndpoints(endpoint).apiRoot, transport);
  } catch (error) {
    throw new SignInError(
      'exchange-failed',
      `Signed in, but Google Drive could not be read (${describeGoogleError(error)}). Check that the Google Drive API is enabled in the OAuth client's Cloud project, then try again.`,
      { cause: error },
    );
  }
}

async function commit(options: OAuthFlowOptions, authorized: Authorized): Promise<void> {
  try {
    await options.commit(authorized);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SignInError('exchange-failed', `The sign-in could not be saved: ${detail}`, {
      cause: error,
    });
  }
}

function cancelled(): SignInError {
  return new SignInError('cancelled', 'The sign-in was cancelled.');
}

function googleTimedOut(timeoutMs: number): SignInError {
  return new SignInError(
    'timeout',
    `Google did not answer within ${describeSpan(timeoutMs)} while completing the sign-in, so it was abandoned. Please try again.`,
  );
}

function signedInMessage({ about }: Authorized): string {
  const who = about.account.email || about.account.displayName || 'your Google account';
  return `DriveUp is now signed in to Google Drive as ${who}.`;
}
