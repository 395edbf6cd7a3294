import { createHash } from 'node:crypto';
import type { Credentials } from 'google-auth-library';
import { z } from 'zod';
import type { AccountSummary } from './auth-status.ts';
import { SecretStoreError, type SecretStore } from './secret-store.ts';

const INDEX_KEY = 'google-accounts';

const tokensSchema = z.object({
  refresh_token: z.string().min(1),
  access_token: z.string().nullish(),
  expiry_date: z.number().nullish(),
  token_type: z.string().nullish(),
  scope: z.string().optional(),
});
export type StoredTokens = z.infer<typeof tokensSchema>;

const accountSchema = z.object({
  email: z.string(),
  displayName: z.string(),
  /** Scopes Google granted, space-separated. */
  scope: z.string(),
  /** Set when Google refused the stored sign-in; cleared by the next sign-in. */
  needsSignIn: z.string().optional(),
});
export type StoredAccount = z.infer<typeof accountSchema>;

const indexSchema = z.object({
  v: z.literal(1),
  current: z.string().nullable(),
  accounts: z.record(z.string(), accountSchema),
});
type AccountIndex = z.infer<typeof indexSchema>;

/**
 * Tokens are stored per account, under Drive's `permissionId`, with a small index naming the
 * current account. `permissionId` rather than OpenID's `sub`: it comes with Drive's `about`, which
 * the narrow `drive.file` scope can read, so sign-in asks for no `openid`/`email` scopes; it is
 * stable for the account (an email address can be renamed) and keeps addresses out of file names.
 * Adding accounts later is a matter of more entries, not a migration of secrets.
 */
export class AccountStore {
  readonly #secrets: SecretStore;
  #index: AccountIndex | undefined;
  /** Writes run one at a time so a late token refresh cannot overwrite a newer state. */
  #writes: Promise<unknown> = Promise.resolve();

  constructor(secrets: SecretStore) {
    this.#secrets = secrets;
  }

  async current(): Promise<(AccountSummary & StoredAccount) | undefined> {
    const index = await this.#load();
    const id = index.current;
    const account = id === null ? undefined : index.accounts[id];
    return id !== null && account ? { id, ...account } : undefined;
  }

  /** Throws `SecretStoreError` when the tokens exist but cannot be read. */
  async tokens(id: string): Promise<StoredTokens | undefined> {
    const text = await this.#secrets.get(tokensKey(id));
    return text === undefined ? undefined : tokensSchema.parse(JSON.parse(text));
  }

  /** Makes `account` the current one, with fresh tokens and no pending problem. */
  signedIn(account: AccountSummary, scope: string, tokens: StoredTokens): Promise<void> {
    return this.#serial(async () => {
      await this.#secrets.set(tokensKey(account.id), JSON.stringify(pickTokens(tokens)));
      const index = await this.#loadOrStartOver();
      index.accounts[account.id] = {
        email: account.email,
        displayName: account.displayName,
        scope,
      };
      index.current = account.id;
      await this.#saveIndex(index);
    });
  }

  /**
   * Persists a refresh's answer, keeping the refresh token Google did not repeat. Ignored once the
   * account was signed out or signed in again, so a refresh finishing late cannot undo either.
   */
  refreshed(id: string, usedRefreshToken: string, fresh: Credentials): Promise<boolean> {
    return this.#serial(async () => {
      const stored = await this.tokens(id).catch(() => undefined);
      if (!stored || stored.refresh_token !== usedRefreshToken) return false;
      const merged = pickTokens({
        ...stored,
        ...fresh,
        refresh_token: fresh.refresh_token || stored.refresh_token,
      });
      await this.#secrets.set(tokensKey(id), JSON.stringify(merged));
      return true;
    });
  }

  /**
   * Records that Google refused this refresh token and drops the dead tokens. False when the
   * account has since signed in again (a newer token) or was already marked.
   */
  refused(id: string, refusedRefreshToken: string | undefined, reason: string): Promise<boolean> {
    return this.#serial(async () => {
      const index = await this.#load();
      const account = index.accounts[id];
      if (!account || account.needsSignIn) return false;
      const stored = await this.tokens(id).catch(() => undefined);
      if (refusedRefreshToken && stored && stored.refresh_token !== refusedRefreshToken)
        return false;
      account.needsSignIn = reason;
      await this.#saveIndex(index);
      await this.#secrets.delete(tokensKey(id));
      return true;
    });
  }

  /** Forgets the account and deletes its tokens. */
  remove(id: string): Promise<void> {
    return this.#serial(async () => {
      await this.#secrets.delete(tokensKey(id));
      const index = await this.#load();
      delete index.accounts[id];
      if (index.current === id) index.current = null;
      await this.#saveIndex(index);
    });
  }

  async #load(): Promise<AccountIndex> {
    this.#index ??= await this.#read();
    return this.#index;
  }

  /**
   * A fresh sign-in is how users recover from an index they cannot read (a lost
   * DRIVEUP_SECRET_KEY), so it replaces that index rather than failing on it.
   */
  async #loadOrStartOver(): Promise<AccountIndex> {
    try {
      return await this.#load();
    } catch (error) {
      if (!(error instanceof SecretStoreError)) throw error;
      return { v: 1, current: null, accounts: {} };
    }
  }

  async #read(): Promise<AccountIndex> {
    const text = await this.#secrets.get(INDEX_KEY);
    if (text === undefined) return { v: 1, current: null, accounts: {} };
    return indexSchema.parse(JSON.parse(text));
  }

  async #saveIndex(index: AccountIndex): Promise<void> {
    await this.#secrets.set(INDEX_KEY, JSON.stringify(index));
    this.#index = index;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(work, work);
    this.#writes = run.catch(() => undefined);
    return run;
  }
}

/** Secret keys are file names in the file store: permission ids are digits, anything else is hashed. */
function tokensKey(accountId: string): string {
  const safe = /^[A-Za-z0-9_-]{1,64}$/.test(accountId)
    ? accountId
    : createHash('sha256').update(accountId).digest('hex').slice(0, 40);
  return `google-tokens.${safe}`;
}

function pickTokens(tokens: Credentials | StoredTokens): StoredTokens {
  return tokensSchema.parse({
    refresh_token: tokens.refresh_token,
    access_token: tokens.access_token,
    expiry_date: tokens.expiry_date,
    token_type: tokens.token_type,
    scope: tokens.scope,
  });
}
