import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { z } from 'zod';
import type { SecretCipher, SecretProtection } from './secret-cipher.ts';

/**
 * scrypt cost: 32 MiB and about a tenth of a second per derivation, twice Node's default, which
 * makes guessing a weak passphrase from a stolen file expensive while a token refresh (a write,
 * about hourly) stays unnoticeable. Derived keys are remembered per salt, so only a write (a new
 * salt) or the first read of a file pays it.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;
const REMEMBERED_KEYS = 32;

export const envelopeSchema = z.object({
  v: z.literal(1),
  alg: z.literal('aes-256-gcm'),
  kdf: z.literal('scrypt'),
  salt: z.base64(),
  iv: z.base64(),
  tag: z.base64(),
  data: z.base64(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/**
 * The headless agent's secret cipher: AES-256-GCM under a key derived from a passphrase (the
 * `driveup` command takes it from DRIVEUP_SECRET_KEY) with a fresh salt per sealed value, so no
 * two files share a key. `context` (the secret's name) is authenticated too: a file copied over
 * another secret's file fails to open instead of being read as that secret. Sealed values are
 * the envelope below as JSON.
 */
export class PassphraseCipher implements SecretCipher {
  readonly alg = 'aes-256-gcm';
  readonly #passphrase: string;
  readonly #keys = new Map<string, Promise<Buffer>>();

  constructor(passphrase: string) {
    this.#passphrase = passphrase;
  }

  async protection(): Promise<SecretProtection> {
    return 'passphrase';
  }

  async seal(plaintext: string, context: string): Promise<string> {
    return JSON.stringify(await this.sealEnvelope(plaintext, context));
  }

  async open(sealed: string, context: string): Promise<string> {
    return this.openEnvelope(envelopeSchema.parse(JSON.parse(sealed)), context);
  }

  async sealEnvelope(plaintext: string, context: string): Promise<Envelope> {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.#key(salt), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      v: 1,
      alg: 'aes-256-gcm',
      kdf: 'scrypt',
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  /** Throws when the passphrase or context is not the one the envelope was sealed with. */
  async openEnvelope(envelope: Envelope, context: string): Promise<string> {
    const key = await this.#key(Buffer.from(envelope.salt, 'base64'));
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    const data = Buffer.from(envelope.data, 'base64');
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  }

  #key(salt: Buffer): Promise<Buffer> {
    const id = salt.toString('base64');
    let key = this.#keys.get(id);
    if (!key) {
      key = derive(this.#passphrase, salt);
      key.catch(() => this.#keys.delete(id));
      this.#keys.set(id, key);
      if (this.#keys.size > REMEMBERED_KEYS) this.#keys.delete(this.#keys.keys().next().value!);
    }
    return key;
  }
}

function derive(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, KEY_BYTES, SCRYPT, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
