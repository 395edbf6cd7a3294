import type { OAuth2Client } from 'google-auth-library';
import type { Logger } from '../log/logger.ts';
import type { HttpAgentFor } from '../net/http-agents.ts';
import type { AccountStore } from './account-store.ts';
import { requireClientCredentials, type GoogleSettings } from './client-credentials.ts';
import { createOAuthClient } from './google-oauth-client.ts';

export interface TokenManagerOptions {
  accounts: AccountStore;
  google: () => GoogleSettings;
  /** Google refused `refreshToken` of `accountId`. Awaited before the caller sees the error. */
  onRefused(accountId: string, refreshToken: string, error: unknown): Promise<void>;
  logger: Logger;
  httpAgent?: HttpAgentFor;
}

interface LiveClient {
  key: string;
  client: Promise<OAuth2Client>;
}

/**
 * Keeps one authorised client for the signed-in account, built from the stored tokens, and the
 * stored tokens in step with every refresh that client makes. Uploads share the client, so a
 * refresh happens once for all of them.
 */
export class TokenManager {
  readonly #options: TokenManagerOptions;
  #live: LiveClient | undefined;

  constructor(options: TokenManagerOptions) {
    this.#options = options;
  }

  /** Throws when the account has no readable tokens or no OAuth client is configured. */
  client(accountId: string): Promise<OAuth2Client> {
    const google = this.#options.google();
    const credentials = requireClientCredentials(google);
    // A changed client or endpoint in the settings means a new client, not a stale one.
    const key = JSON.stringify([accountId, credentials, google.endpoint ?? null]);
    if (this.#live?.key !== key) {
      const live: LiveClient = { key, client: this.#build(accountId, google) };
      live.client.catch(() => {
        if (this.#live === live) this.#live = undefined;
      });
      this.#live = live;
    }
    return this.#live.client;
  }

  /** Drops the client after a sign-out or a new sign-in; the next `client()` reads the store. */
  forget(): void {
    this.#live = undefined;
  }

  /** True when `client` is the one currently handed out (not one from before a new sign-in). */
  async isCurrent(client: OAuth2Client): Promise<boolean> {
    return this.#live !== undefined && (await this.#live.client.catch(() => undefined)) === client;
  }

  async #build(accountId: string, google: GoogleSettings): Promise<OAuth2Client> {
    const { accounts, logger } = this.#options;
    const tokens = await accounts.tokens(accountId);
    if (!tokens) throw new Error('No stored Google sign-in for this account');
    const client = createOAuthClient({
      credentials: requireClientCredentials(google),
      endpoint: google.endpoint,
      ...(this.#options.httpAgent ? { httpAgent: this.#options.httpAgent } : {}),
      hooks: {
        refreshed: async (fresh, used) => {
          const saved = await accounts.refreshed(accountId, used, fresh);
          logger.debug({ accountId, saved }, 'Google access token refreshed');
        },
        refused: (error, refused) => this.#options.onRefused(accountId, refused, error),
      },
    });
    client.setCredentials(tokens);
    return client;
  }
}
