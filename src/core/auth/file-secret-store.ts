import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { envelopeSchema, SecretCipher } from './secret-cipher.ts';
import { SecretStoreError, type SecretStore, type SecretStoreDescription } from './secret-store.ts';
import { readFileIfExists } from '../store/read-file-if-exists.ts';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** Keys become file names: keep them to a portable, traversal-free alphabet. */
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

const plainSchema = z.object({ v: z.literal(1), alg: z.literal('none'), value: z.string() });
const fileSchema = z.discriminatedUnion('alg', [plainSchema, envelopeSchema]);

export interface FileSecretStoreOptions {
  /** `secretsDir` from the resolved paths. */
  dir: string;
  /** `DRIVEUP_SECRET_KEY`: when set, every value is encrypted with a key derived from it. */
  passphrase?: string | undefined;
}

/**
 * Secrets for the headless agent: one file per key, 0600 inside a 0700 directory, each written
 * atomically so a crash mid-write never leaves a torn token file.
 */
export class FileSecretStore implements SecretStore {
  readonly #dir: string;
  readonly #cipher: SecretCipher | undefined;

  constructor(options: FileSecretStoreOptions) {
    this.#dir = options.dir;
    this.#cipher = options.passphrase ? new SecretCipher(options.passphrase) : undefined;
  }

  describe(): SecretStoreDescription {
    return { encrypted: this.#cipher !== undefined, where: this.#dir };
  }

  async get(key: string): Promise<string | undefined> {
    const file = this.#file(key);
    const text = await readFileIfExists(file);
    if (text === undefined) return undefined;
    await this.#ensureDir();
    await chmod(file, FILE_MODE);
    const stored = parseFile(text, file);
    if (stored.alg === 'none') return this.#upgradePlain(key, stored.value);
    if (this.#cipher === undefined) {
      throw new SecretStoreError(
        `${file} is encrypted, but DRIVEUP_SECRET_KEY is not set: set it to the key it was written with, or sign in again.`,
      );
    }
    try {
      return await this.#cipher.open(stored, key);
    } catch (error) {
      throw new SecretStoreError(
        `${file} could not be decrypted: DRIVEUP_SECRET_KEY is not the key it was written with (or the file was altered). Set the right key, or sign in again.`,
        { cause: error },
      );
    }
  }

  async set(key: string, value: string): Promise<void> {
    const file = this.#file(key);
    await this.#ensureDir();
    const stored =
      this.#cipher === undefined
        ? { v: 1, alg: 'none', value }
        : await this.#cipher.seal(value, key);
    await writeFileAtomic(file, JSON.stringify(stored) + '\n', { mode: FILE_MODE });
  }

  async delete(key: string): Promise<void> {
    await rm(this.#file(key), { force: true });
  }

  #file(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid secret key: ${JSON.stringify(key)}`);
    return join(this.#dir, `${key}.json`);
  }

  /** mkdir's mode is ignored for a directory that already exists, so the mode is enforced apart. */
  async #ensureDir(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: DIR_MODE });
    const { mode } = await stat(this.#dir);
    if ((mode & 0o777) !== DIR_MODE) await chmod(this.#dir, DIR_MODE);
  }

  /** A value written before DRIVEUP_SECRET_KEY was set gets encrypted as soon as it is read. */
  async #upgradePlain(key: string, value: string): Promise<string> {
    if (this.#cipher !== undefined) await this.set(key, value);
    return value;
  }
}

function parseFile(text: string, file: string): z.infer<typeof fileSchema> {
  try {
    return fileSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new SecretStoreError(`${file} is damaged; sign in again to replace it.`, {
      cause: error,
    });
  }
}
