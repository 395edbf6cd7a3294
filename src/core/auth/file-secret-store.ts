import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { envelopeSchema } from './passphrase-cipher.ts';
import type { SecretCipher } from './secret-cipher.ts';
import { SecretStoreError, type SecretStore, type SecretStoreDescription } from './secret-store.ts';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** Keys become file names: keep them to a portable, traversal-free alphabet. */
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;
/** Never through a symbolic link: a link planted here must not receive or give out tokens. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

const plainSchema = z.object({ v: z.literal(1), alg: z.literal('none'), value: z.string() });
/** A value sealed by a cipher: `alg` names the cipher (secret-cipher.ts). */
const sealedSchema = z.object({ v: z.literal(1), alg: z.string().min(1), sealed: z.string() });
/** Files the passphrase cipher wrote before ciphers were a port: the envelope is the file. */
const fileSchema = z.union([plainSchema, sealedSchema, envelopeSchema]);

export interface FileSecretStoreOptions {
  /** `secretsDir` from the resolved paths. */
  dir: string;
  /** Seals every value written; without one values are stored as they are (0600 files). */
  cipher?: SecretCipher | null | undefined;
}

/**
 * Secrets for the headless agent: one file per key, 0600 inside a 0700 directory, each written
 * atomically so a crash mid-write never leaves a torn token file.
 */
export class FileSecretStore implements SecretStore {
  readonly #dir: string;
  readonly #cipher: SecretCipher | null;

  constructor(options: FileSecretStoreOptions) {
    this.#dir = options.dir;
    this.#cipher = options.cipher ?? null;
  }

  async describe(): Promise<SecretStoreDescription> {
    const protection = this.#cipher ? await this.#cipher.protection() : null;
    return { protection, where: this.#dir };
  }

  async get(key: string): Promise<string | undefined> {
    const file = this.#file(key);
    const text = await readPrivateFile(file);
    if (text === undefined) return undefined;
    await this.#ensureDir();
    const stored = parseFile(text, file);
    if ('value' in stored) return this.#upgradePlain(key, stored.value);
    const sealed = 'sealed' in stored ? stored.sealed : JSON.stringify(stored);
    if (this.#cipher === null) {
      throw new SecretStoreError(
        'locked',
        file,
        `${file} is encrypted, and no key to open it is set.`,
      );
    }
    if (this.#cipher.alg !== stored.alg) {
      throw new SecretStoreError(
        'wrong-key',
        file,
        `${file} was encrypted with ${stored.alg}, not ${this.#cipher.alg}.`,
      );
    }
    try {
      return await this.#cipher.open(sealed, key);
    } catch (error) {
      throw new SecretStoreError(
        'wrong-key',
        file,
        `${file} could not be decrypted: the key set is not the one it was written with (or the file was altered).`,
        { cause: error },
      );
    }
  }

  async set(key: string, value: string): Promise<void> {
    const file = this.#file(key);
    await this.#ensureDir();
    const stored =
      this.#cipher === null
        ? { v: 1, alg: 'none', value }
        : { v: 1, alg: this.#cipher.alg, sealed: await this.#cipher.seal(value, key) };
    await writeAtomically(file, JSON.stringify(stored) + '\n');
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
    const found = await lstat(this.#dir);
    if (!found.isDirectory()) {
      throw new SecretStoreError(
        'not-a-file',
        this.#dir,
        `${this.#dir} is not a directory (a symbolic link?); DriveUp keeps its tokens only in a directory of its own.`,
      );
    }
    if ((found.mode & 0o777) !== DIR_MODE) await chmod(this.#dir, DIR_MODE);
  }

  /** A value written before a cipher was given gets encrypted as soon as it is read. */
  async #upgradePlain(key: string, value: string): Promise<string> {
    if (this.#cipher !== null) await this.set(key, value);
    return value;
  }
}

/** The file's text (its mode tightened to 0600 on the handle), or undefined when there is none. */
async function readPrivateFile(file: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') throw notAFile(file, 'a symbolic link', error);
    throw error;
  }
  try {
    const found = await handle.stat();
    if (!found.isFile()) throw notAFile(file, 'not a regular file');
    if ((found.mode & 0o777) !== FILE_MODE) await handle.chmod(FILE_MODE);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Temp file, fsync, rename: a crash never leaves a torn token file. Written here rather than with
 * write-file-atomic, which resolves a symbolic link and writes to its target (and gives the new
 * file the target's owner); rename replaces a link itself, never what it points to.
 */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
    FILE_MODE,
  );
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file).catch(async (error: unknown) => {
    await rm(temp, { force: true });
    throw error;
  });
}

function notAFile(file: string, what: string, cause?: unknown): SecretStoreError {
  return new SecretStoreError(
    'not-a-file',
    file,
    `${file} is ${what}; DriveUp reads its tokens only from a regular file it wrote.`,
    { cause },
  );
}

function parseFile(text: string, file: string): z.infer<typeof fileSchema> {
  try {
    return fileSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new SecretStoreError('damaged', file, `${file} is damaged.`, { cause: error });
  }
}
