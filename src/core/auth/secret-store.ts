import type { SecretProtection } from './secret-cipher.ts';

/**
 * Where credentials are kept. Deliberately small so that the desktop app can back it with
 * Electron's `safeStorage` and the headless agent with a passphrase, and nothing above notices.
 */
export interface SecretStore {
  /** The value, or undefined when nothing is stored under `key`. */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Removing a key that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** For status and warnings: how values are protected at rest, and where they live. */
  describe(): Promise<SecretStoreDescription>;
}

export interface SecretStoreDescription {
  /** null: stored as they are, protected only by the files' permissions. */
  protection: SecretProtection | null;
  where: string;
}

/**
 * Why a stored secret cannot be read: `locked`, it was sealed and no cipher can open it here;
 * `wrong-key`, the cipher here is not the one it was sealed with (or the file was altered);
 * `damaged`, it is not a secret file DriveUp wrote; `not-a-file`, a link or something else
 * stands in its place. Faces say what to do about each (a key to set, a sign-in to redo).
 */
export type SecretProblem = 'locked' | 'wrong-key' | 'damaged' | 'not-a-file';

/** A stored secret exists but cannot be read. */
export class SecretStoreError extends Error {
  readonly problem: SecretProblem;
  readonly file: string;

  constructor(
    problem: SecretProblem,
    file: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'SecretStoreError';
    this.problem = problem;
    this.file = file;
  }
}
