import type { DriveClient } from './drive-client.ts';
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
  readonly #client: DriveClient;

  constructor(client: DriveClient) {
    this.#client = client;
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

  get(fileId: string, signal: AbortSignal): Promise<DriveFile> {
    return this.#client.json<DriveFile>('GET', `drive/v3/files/${encodeURIComponent(fileId)}`, {
      query: { fields: FILE_FIELDS },
      signal,
    });
  }

  /** Moves a file to Drive's trash, where its owner can restore it (for 30 days). */
  async trash(fileId: string, signal: AbortSignal): Promise<void> {
    await this.#client.json('PATCH', `drive/v3/files/${encodeURIComponent(fileId)}`, {
      query: { fields: 'id,trashed' },
      body: { trashed: true },
      signal,
    });
  }

  async delete(fileId: string, signal: AbortSignal): Promise<void> {
    await this.#client.json('DELETE', `drive/v3/files/${encodeURIComponent(fileId)}`, { signal });
  }

  async #list(q: string, signal: AbortSignal): Promise<DriveFile[]> {
    const { files = [] } = await this.#client.json<{ files?: DriveFile[] }>(
      'GET',
      'drive/v3/files',
      {
        query: { q, fields: LIST_FIELDS, pageSize: '100', spaces: 'drive' },
        signal,
      },
    );
    return files.toSorted(
      (a, b) =>
        (a.createdTime ?? '').localeCompare(b.createdTime ?? '') || a.id.localeCompare(b.id),
    );
  }
}
