import { FILE_FIELDS } from './drive-files.ts';

/** Where the bytes go: a new file in a folder, or a new revision of an existing file. */
export interface UploadTarget {
  method: 'POST' | 'PATCH';
  /** Relative to the API root, e.g. `upload/drive/v3/files`. */
  path: string;
  metadata: Record<string, unknown>;
  mimeType: string;
}

export function newFileTarget(init: {
  name: string;
  folderId: string;
  mimeType: string;
  appProperties: Record<string, string>;
}): UploadTarget {
  return {
    method: 'POST',
    path: 'upload/drive/v3/files',
    metadata: {
      name: init.name,
      parents: [init.folderId],
      mimeType: init.mimeType,
      appProperties: init.appProperties,
    },
    mimeType: init.mimeType,
  };
}

export function newRevisionTarget(init: {
  fileId: string;
  mimeType: string;
  appProperties: Record<string, string>;
}): UploadTarget {
  return {
    method: 'PATCH',
    path: `upload/drive/v3/files/${encodeURIComponent(init.fileId)}`,
    metadata: { appProperties: init.appProperties },
    mimeType: init.mimeType,
  };
}

export function uploadQuery(uploadType: 'multipart' | 'resumable'): Record<string, string> {
  return { uploadType, fields: FILE_FIELDS };
}
