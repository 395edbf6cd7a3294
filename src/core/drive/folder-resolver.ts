import type { Logger } from 'pino';
import { abortable } from './abortable.ts';
import { DriveApi } from './drive-api.ts';
import type { DriveAuth } from './drive-auth.ts';
import { DriveClient } from './drive-client.ts';
import { DriveHttp } from './drive-http.ts';
import { classifyDriveError } from './drive-errors.ts';
import { escapeQuery } from './drive-query.ts';
import { folderPathSegments } from '../config/folder-path.ts';

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

interface FolderEntry {
  id: string;
  createdTime: string;
}

/**
 * Turns a folder path like `DriveUp/lab-pc/2026-11` into a Drive folder id, creating what is
 * missing. Each path prefix is resolved once per process (the promise is cached, so concurrent
 * uploads into a new folder share one lookup and one create). When another process created the
 * same folder at the same moment, everybody settles on the oldest one, ties broken by id.
 */
export class FolderResolver {
  readonly #api: DriveApi;
  readonly #logger: Logger | undefined;
  readonly #cache = new Map<string, Promise<string>>();

  constructor(api: DriveApi, logger?: Logger) {
    this.#api = api;
    this.#logger = logger;
  }

  /** A resolver on its own (e.g. for the CLI's `driveup mkdir`), with its own connection pool. */
  static fromAuth(options: {
    auth: DriveAuth;
    apiRoot: string;
    requestTimeoutMs?: number;
    logger?: Logger;
  }): FolderResolver {
    const http = new DriveHttp(options.requestTimeoutMs ?? 60_000);
    const client = new DriveClient(options.auth, http, options.apiRoot);
    return new FolderResolver(new DriveApi(client), options.logger);
  }

  /** The folder id for `path` ('' or '/' is My Drive's root). */
  resolve(path: string, signal: AbortSignal): Promise<string> {
    signal.throwIfAborted();
    // The lookup is shared by every caller, so one caller's abort must not cancel it for the rest.
    const shared = this.#resolveSegments(folderPathSegments(path), new AbortController().signal);
    return abortable(shared, signal);
  }

  /** Forgets cached ids under `path` (the folder was deleted in Drive). */
  forget(path: string): void {
    const prefix = folderPathSegments(path).join('/');
    for (const key of this.#cache.keys()) {
      if (key === prefix || key.startsWith(`${prefix}/`) || prefix === '') this.#cache.delete(key);
    }
  }

  #resolveSegments(segments: string[], signal: AbortSignal): Promise<string> {
    if (segments.length === 0) return Promise.resolve('root');
    const key = segments.join('/');
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const pending = this.#resolveSegments(segments.slice(0, -1), signal).then((parentId) =>
      this.#findOrCreate(parentId, segments.at(-1) as string, signal),
    );
    this.#cache.set(key, pending);
    // A failure must not poison the path for the next caller.
    pending.catch(() => this.#cache.delete(key));
    return pending;
  }

  async #findOrCreate(parentId: string, name: string, signal: AbortSignal): Promise<string> {
    const existing = await this.#list(parentId, name, signal);
    if (existing) return existing;
    try {
      await this.#api.create({ name, mimeType: FOLDER_MIME, parents: [parentId] }, 'id', signal);
    } catch (error) {
      // The create may have happened without the answer reaching us: look before failing.
      if (classifyDriveError(error).kind !== 'transient') throw error;
    }
    const chosen = await this.#list(parentId, name, signal);
    if (!chosen) throw new Error(`folder "${name}" could not be created in Google Drive`);
    this.#logger?.debug({ folder: name }, 'created Drive folder');
    return chosen;
  }

  /** The oldest live folder of that name under the parent, if any. */
  async #list(parentId: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    const q = [
      `name = '${escapeQuery(name)}'`,
      `'${escapeQuery(parentId)}' in parents`,
      `mimeType = '${FOLDER_MIME}'`,
      'trashed = false',
    ].join(' and ');
    const { files = [] } = await this.#api.list(
      { q, fields: 'files(id,createdTime)', pageSize: 100, spaces: 'drive' },
      signal,
    );
    const entries = files.flatMap((file) =>
      file.id ? [{ id: file.id, createdTime: file.createdTime ?? '' }] : [],
    );
    return entries.toSorted(oldestFirst)[0]?.id;
  }
}

function oldestFirst(a: FolderEntry, b: FolderEntry): number {
  const byTime = a.createdTime.localeCompare(b.createdTime);
  return byTime !== 0 ? byTime : a.id.localeCompare(b.id);
}
