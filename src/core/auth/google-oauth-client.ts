import { OAuth2Client, type Credentials } from 'google-auth-library';
import { googleEndpoints } from '../config/google-endpoints.ts';
import type { ClientCredentials } from './client-credentials.ts';
import type { HttpAgentFor } from '../net/http-agents.ts';
import { isInvalidGrant } from '../drive/google-error.ts';

/** Refresh this long before the access token expires, so no upload starts with a dying token. */
const EAGER_REFRESH_MS = 5 * 60 * 1000;

export interface RefreshHooks {
  /** A refresh succeeded: awaited before the refreshed token is used, so it is on disk first. */
  refreshed(tokens: Credentials, usedRefreshToken: string): Promise<void>;
  /** Google refused the refresh token: the user must sign in again. */
  refused(error: unknown, refusedRefreshToken: string): Promise<void>;
}

export interface OAuthClientOptions {
  credentials: ClientCredentials;
  /** `google.endpoint`: every OAuth URL points at it when set. */
  endpoint?: string | undefined;
  redirectUri?: string;
  hooks?: RefreshHooks;
  /** Aborts every request this client makes (a sign-in that was cancelled or timed out). */
  signal?: AbortSignal;
  /** The connection agent for every request (a system proxy); gaxios's own choice without it. */
  httpAgent?: HttpAgentFor;
}

/**
 * OAuth2Client with one seam: every refresh of the access token, whichever path triggered it
 * (eager refresh, a 401 retry, `getAccessToken`), goes through `refreshTokenNoCache`. Hooking it
 * there rather than on the `tokens` event lets the new token be persisted before the request that
 * needed it proceeds, and is the only place a refused refresh is visible before it reaches the
 * caller as a generic request error.
 */
class HookedOAuth2Client extends OAuth2Client {
  readonly #hooks: RefreshHooks | undefined;

  constructor(options: ConstructorParameters<typeof OAuth2Client>[0], hooks?: RefreshHooks) {
    super(options);
    this.#hooks = hooks;
  }

  protected override async refreshTokenNoCache(refreshToken?: string | null) {
    try {
      const response = await super.refreshTokenNoCache(refreshToken);
      await this.#hooks?.refreshed(response.tokens, refreshToken ?? '');
      return response;
    } catch (error) {
      if (isInvalidGrant(error)) await this.#hooks?.refused(error, refreshToken ?? '');
      throw error;
    }
  }
}

export function createOAuthClient(options: OAuthClientOptions): OAuth2Client {
  return new HookedOAuth2Client(
    {
      clientId: options.credentials.clientId,
      clientSecret: options.credentials.clientSecret,
      redirectUri: options.redirectUri,
      endpoints: googleEndpoints(options.endpoint).oauth,
      eagerRefreshThresholdMillis: EAGER_REFRESH_MS,
      // Our tokens always carry an expiry date; without this a 401 (token revoked or clock skew)
      // would not trigger a refresh and retry.
      forceRefreshOnFailure: true,
      transporterOptions: {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.httpAgent ? { agent: options.httpAgent } : {}),
      },
    },
    options.hooks,
  );
}
