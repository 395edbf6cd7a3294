import { randomBytes } from 'node:crypto';

export interface WebSessionsOptions {
  /** How long a minted token can be redeemed; 60 s by default. */
  tokenTtlMs?: number;
  now?: () => number;
}

/** Outstanding tokens and sessions are capped so that a runaway script cannot grow the agent. */
const MAX_TOKENS = 100;
const MAX_SESSIONS = 1000;

/**
 * Who may use the web pages: one-time tokens (minted by `driveup open`, 256 random bits, single
 * use, short-lived) exchanged for sessions that live in memory only. A restarted agent knows no
 * session, so every page must be opened again with `driveup open`: nothing on disk can be stolen.
 */
export class WebSessions {
  readonly #tokens = new Map<string, number>();
  readonly #sessions = new Set<string>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: WebSessionsOptions = {}) {
    this.#ttlMs = options.tokenTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  mintToken(): string {
    this.#pruneTokens();
    if (this.#tokens.size >= MAX_TOKENS) this.#tokens.delete(this.#tokens.keys().next().value!);
    const token = randomToken();
    this.#tokens.set(token, this.#now() + this.#ttlMs);
    return token;
  }

  /** A new session for a token that is known and unexpired; the token is spent either way. */
  redeem(token: string): string | null {
    const expiresAt = this.#tokens.get(token);
    this.#tokens.delete(token);
    if (expiresAt === undefined || expiresAt < this.#now()) return null;
    if (this.#sessions.size >= MAX_SESSIONS) {
      this.#sessions.delete(this.#sessions.values().next().value!);
    }
    const session = randomToken();
    this.#sessions.add(session);
    return session;
  }

  isSession(id: string | undefined): boolean {
    return id !== undefined && this.#sessions.has(id);
  }

  #pruneTokens(): void {
    const now = this.#now();
    for (const [token, expiresAt] of this.#tokens) if (expiresAt < now) this.#tokens.delete(token);
  }
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
