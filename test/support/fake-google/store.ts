import { createHash, randomBytes, type Hash } from 'node:crypto';

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

/** A stored file or folder, shaped as Drive's v3 `File` resource with every field the fake knows. */
export interface FakeFile {
  kind: 'drive#file';
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  /** Bytes as a decimal string, as Drive sends it; absent for folders. */
  size?: string;
  md5Checksum?: string;
  headRevisionId?: string;
  originalFilename?: string;
  description?: string;
  appProperties: Record<string, string>;
  properties: Record<string, string>;
  createdTime: string;
  modifiedTime: string;
  trashed: boolean;
  starred: boolean;
  webViewLink: string;
  spaces: string[];
  ownedByMe: boolean;
}

interface StoredFile {
  file: FakeFile;
  /** Undefined for folders and for contents larger than the keep-bytes limit. */
  bytes: Buffer | undefined;
}

export interface StoredContent {
  size: number;
  md5: string;
  bytes: Buffer | undefined;
}

/**
 * Hashes content as it streams in and keeps the chunks only while the total stays under the limit,
 * so benchmark-sized uploads cost an md5 pass and no memory.
 */
export class ContentSink {
  #hash: Hash = createHash('md5');
  #chunks: Buffer[] | undefined = [];
  #size = 0;
  readonly #keepLimit: number;

  constructor(keepLimit: number) {
    this.#keepLimit = keepLimit;
  }

  get size(): number {
    return this.#size;
  }

  write(chunk: Buffer): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    if (this.#chunks && this.#size <= this.#keepLimit) this.#chunks.push(chunk);
    else this.#chunks = undefined;
  }

  finish(): StoredContent {
    return {
      size: this.#size,
      md5: this.#hash.digest('hex'),
      bytes: this.#chunks ? Buffer.concat(this.#chunks, this.#size) : undefined,
    };
  }
}

export function newId(length = 28): string {
  // Drive ids are ~33 url-safe characters; the exact alphabet does not matter to clients.
  return randomBytes(length).toString('base64url').slice(0, length);
}

export class Store {
  readonly rootId = '0AFakeRootFolderId' + newId(8);
  #files = new Map<string, StoredFile>();

  resolveId(id: string): string {
    return id === 'root' ? this.rootId : id;
  }

  get(id: string): FakeFile | undefined {
    const resolved = this.resolveId(id);
    if (resolved === this.rootId) return this.#root();
    return this.#files.get(resolved)?.file;
  }

  bytes(id: string): Buffer | undefined {
    return this.#files.get(this.resolveId(id))?.bytes;
  }

  isFolder(id: string): boolean {
    return this.get(id)?.mimeType === FOLDER_MIME;
  }

  /** User-created files and folders in creation order (the root folder is not one of them). */
  all(): FakeFile[] {
    return [...this.#files.values()].map((s) => s.file);
  }

  usageBytes(): number {
    let total = 0;
    for (const { file } of this.#files.values()) total += Number(file.size ?? 0);
    return total;
  }

  insert(file: FakeFile, content: StoredContent | undefined): FakeFile {
    this.#files.set(file.id, { file, bytes: content?.bytes });
    if (content) setContent(file, content, false);
    return file;
  }

  replaceContent(id: string, content: StoredContent): void {
    const stored = this.#files.get(this.resolveId(id));
    if (!stored) throw new Error(`no file ${id}`);
    stored.bytes = content.bytes;
    setContent(stored.file, content, true);
  }

  /** Deletes the file and, for folders, everything below it (Drive deletes descendants too). */
  delete(id: string): void {
    const resolved = this.resolveId(id);
    this.#files.delete(resolved);
    for (const { file } of [...this.#files.values()]) {
      if (file.parents.includes(resolved) && this.#files.has(file.id)) this.delete(file.id);
    }
  }

  clear(): void {
    this.#files.clear();
  }

  #root(): FakeFile {
    return {
      ...newFileResource({ id: this.rootId, name: 'My Drive', mimeType: FOLDER_MIME, parents: [] }),
      createdTime: new Date(0).toISOString(),
      modifiedTime: new Date(0).toISOString(),
    };
  }
}

export function newFileResource(init: {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
}): FakeFile {
  const now = new Date().toISOString();
  const folder = init.mimeType === FOLDER_MIME;
  return {
    kind: 'drive#file',
    ...init,
    appProperties: {},
    properties: {},
    createdTime: now,
    modifiedTime: now,
    trashed: false,
    starred: false,
    webViewLink: folder
      ? `https://drive.google.com/drive/folders/${init.id}`
      : `https://drive.google.com/file/d/${init.id}/view`,
    spaces: ['drive'],
    ownedByMe: true,
  };
}

function setContent(file: FakeFile, content: StoredContent, touch: boolean): void {
  file.size = String(content.size);
  file.md5Checksum = content.md5;
  file.headRevisionId = newId(24);
  if (touch) file.modifiedTime = new Date().toISOString();
}
