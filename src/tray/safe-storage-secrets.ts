import type { SecretReply, SecretRequest } from '../ipc/common/agent-process-protocol.ts';
import type { ElectronMainApi } from './electron-api.ts';

/** How well the OS protects what safeStorage encrypts. */
export type SecretProtection = 'os' | 'none';

/**
 * The secret cipher of the desktop app: tokens sealed with Electron's safeStorage (its async
 * API), in main, for the agent process. The secret's name is sealed with it, so a file copied
 * over another secret's file fails to open instead of being read as that secret (as the
 * passphrase cipher does with its authenticated context).
 */
export class SafeStorageSecrets {
  readonly #safeStorage: ElectronMainApi['safeStorage'];
  readonly #platform: NodeJS.Platform;

  constructor(safeStorage: ElectronMainApi['safeStorage'], platform: NodeJS.Platform) {
    this.#safeStorage = safeStorage;
    this.#platform = platform;
  }

  async seal(plaintext: string, context: string): Promise<string> {
    await this.#available();
    const sealed = await this.#safeStorage.encryptStringAsync(JSON.stringify([context, plaintext]));
    return Buffer.from(sealed).toString('base64');
  }

  async open(sealed: string, context: string): Promise<string> {
    await this.#available();
    const { result } = await this.#safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
    const [sealedFor, plaintext] = JSON.parse(result) as [unknown, unknown];
    if (sealedFor !== context || typeof plaintext !== 'string')
      throw new Error(`this secret was sealed as another one (${String(sealedFor)})`);
    return plaintext;
  }

  /** Linux without a keyring (`basic_text`): encrypted with a key anyone on the machine has. */
  protection(): SecretProtection {
    if (this.#platform !== 'linux') return 'os';
    return this.#safeStorage.getSelectedStorageBackend() === 'basic_text' ? 'none' : 'os';
  }

  /** Answers one request of the agent process; failures are answers too, with the reason. */
  async answer(request: SecretRequest): Promise<SecretReply> {
    const { id } = request;
    try {
      const data =
        request.op === 'seal'
          ? await this.seal(request.data, request.context)
          : request.op === 'open'
            ? await this.open(request.data, request.context)
            : this.protection();
      return { type: 'secret-reply', id, ok: true, data };
    } catch (error) {
      return { type: 'secret-reply', id, ok: false, message: (error as Error).message };
    }
  }

  async #available(): Promise<void> {
    if (!(await this.#safeStorage.isAsyncEncryptionAvailable()))
      throw new Error('the system offers no encryption for secrets yet (safeStorage unavailable)');
  }
}
