import type { drive_v3 } from '@googleapis/drive';
import type { DriveApi } from './drive-api.ts';
import { DriveHttpError } from './drive-errors.ts';
import { escapeQuery } from './drive-query.ts';
import { FOLDER_MIME } from './folder-resolver.ts';

/** The part of Drive's File resource the uploader reads. */
export interface DriveFile {
  id: string;
  md5Checksum?: string;
  /** Decimal string, as Drive sends it. */
  size?: string;
  webViewLink?: string;
  createdTime?: string;
}

/** Only what the result needs: smaller answers, and fewer fields for Drive to compute. */
export const FILE_FIELDS = 'id,md5Checksum,size,webViewLink';
const LIST_FIELDS = `files(${FILE_FIELDS},createdTime)`;

/** appProperties keys DriveUp tags its uploads with, to find them again after an unanswered create. */
export const JOB_TAG = 'driveupJobId';
export const MD5_TAG = 'driveupMd5';

export class DriveFiles {
  readonly #api: DriveApi;

  constructor(api: DriveApi) {
    this.#api = api;
  }

  /** The live file an earlier attempt of this job created, if any (oldest first when several). */
  async findByJob(jobId: string, signal: AbortSignal): Promise<DriveFile | undefined> {
    const q = `appProperties has { key='${JOB_TAG}' and value='${escapeQuery(jobId)}' } and trashed = false`;
    return (await this.#list(q, signal))[0];
  }

  /** Live non-folder files called `name` in the folder, oldest first. */
  findByName(folderId: string, name: string, signal: AbortSignal): Promise<DriveFile[]> {
    const q = [
      `name = '${escapeQuery(name)}'`,
      `'${escapeQuery(folderId)}' in parents`,
      `mimeType != '${FOLDER_MIME}'`,
      'trashed = false',
    ].join(' and ');
    return this.#list(q, signal);
  }

  async get(fileId: string, signal: AbortSignal): Promise<DriveFile> {
    return driveFile(await this.#api.get(fileId, FILE_FIELDS, signal));
  }

  /**
   * Whether the file is still in Drive and not in its trash: false when Drive no longer has it
   * (deleted, or the trash emptied), or has it in the trash. Any other failure is the caller's.
   */
  async isLive(fileId: string, signal: AbortSignal): Promise<boolean> {
    try {
      return (await this.#api.get(fileId, 'id,trashed', signal)).trashed !== true;
    } catch (error) {
      if (error instanceof DriveHttpError && error.status === 404) return false;
      throw error;
    }
  }

  /** Moves a file to Drive's trash, where its owner can restore it (for 30 days). */
  trash(fileId: string, signal: AbortSignal): Promise<void> {
    return this.#api.trash(fileId, signal);
  }

  delete(fileId: string, signal: AbortSignal): Promise<void> {
    return this.#api.delete(fileId, signal);
  }

  async #list(q: string, signal: AbortSignal): Promise<DriveFile[]> {
    const answer = await this.#api.list(
      { q, fields: LIST_FIELDS, pageSize: 100, spaces: 'drive' },
      signal,
    );
    const files = (answer.files ?? []).map(driveFile);
    return files.toSorted(
      (a, b) =>
        (a.createdTime ?? '').localeCompare(b.createdTime ?? '') || a.id.localeCompare(b.id),
    );
  }
}

/** Drive's schema marks every field optional and nullable; an answer without an id is no file. */
function driveFile(file: drive_v3.Schema$File): DriveFile {
  if (!file.id) throw new Error('Google Drive answered with a file without an id');
  return {
    id: file.id,
    ...(file.md5Checksum ? { md5Checksum: file.md5Checksum } : {}),
    ...(file.size ? { size: file.size } : {}),
    ...(file.webViewLink ? { webViewLink: file.webViewLink } : {}),
    ...(file.createdTime ? { createdTime: file.createdTime } : {}),
  };
}
