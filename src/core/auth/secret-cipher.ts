/**
 * How stored secrets are protected: `os`, by the system's keyring (Electron's safeStorage);
 * `passphrase`, by a key derived from a passphrase the host was given; `none`, by a key anyone on
 * the machine has (safeStorage's `basic_text` backend on Linux without a keyring).
 */
export type SecretProtection = 'os' | 'passphrase' | 'none';

/**
 * The port through which the secret store seals what it writes (tokens). The host chooses the
 * implementation: `driveup agent` a passphrase (passphrase-cipher.ts), the desktop app Electron's
 * safeStorage, reached in main over the agent process's parent port. Asynchronous, because the
 * desktop one is a round trip to another process.
 *
 * `context` (the secret's name) is bound to the sealed value: a file copied over another
 * secret's file fails to open instead of being read as that secret.
 */
export interface SecretCipher {
  /** Names the format in the files it seals (`aes-256-gcm`, `safe-storage`); never changes. */
  readonly alg: string;
  seal(plaintext: string, context: string): Promise<string>;
  /** Throws when `sealed` was not sealed by this cipher (another key) for `context`. */
  open(sealed: string, context: string): Promise<string>;
  protection(): Promise<SecretProtection>;
}
