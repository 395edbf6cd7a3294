/**
 * Where credentials are kept. Deliberately small so that the desktop app can back it with
 * Electron's `safeStorage` and the headless agent with files, and nothing above notices.
 */
export interface SecretStore {
  /** The value, or undefined when nothing is stored under `key`. */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Removing a key that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** For status and warnings: whether values are encrypted at rest, and where they live. */
  describe(): SecretStoreDescription;
}

export interface SecretStoreDescription {
  encrypted: boolean;
  where: string;
}

/** A stored secret exists but cannot be read (wrong key, missing key, damaged file). */
export class SecretStoreError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SecretStoreError';
  }
}
