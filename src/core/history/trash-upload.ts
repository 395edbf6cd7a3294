import { classifyDriveError, DriveHttpError } from '../drive/drive-errors.ts';
import type { HistoryRecord } from './history-record.ts';
import type { HistoryService } from './history-service.ts';

/** Why an upload could not be moved to Drive's trash, in words for the person who asked. */
export class TrashError extends Error {
  /** `not-found`: no such upload here; `refused`: not one DriveUp can trash; `drive`: Drive said no. */
  readonly reason: 'not-found' | 'refused' | 'drive';
  constructor(reason: TrashError['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TrashError';
    this.reason = reason;
  }
}

export interface TrashParts {
  history: Pick<HistoryService, 'localRecord' | 'markTrashed'>;
  drive: { trashFile(fileId: string): Promise<void> };
  now?: () => Date;
}

/**
 * Moves a file DriveUp uploaded from this machine to Drive's trash (a file sent by mistake), then
 * records that in the history. Only this machine's uploads: another machine's record names a file
 * of another account, and a "skipped" one names a file DriveUp found already there, not its own.
 * Trashing twice is harmless: the record keeps the first time.
 */
export async function trashUpload(id: string, parts: TrashParts): Promise<HistoryRecord> {
  const record = parts.history.localRecord(id);
  if (!record) {
    throw new TrashError('not-found', `No upload ${id} made on this machine is in the history.`);
  }
  if (record.trashedAt) return record;
  if (record.status !== 'uploaded' || !record.driveFileId) {
    throw new TrashError('refused', refusal(record));
  }
  try {
    await parts.drive.trashFile(record.driveFileId);
  } catch (error) {
    throw new TrashError('drive', driveWords(record, error), { cause: error });
  }
  return parts.history.markTrashed(id, (parts.now ?? (() => new Date()))()) ?? record;
}

function refusal(record: HistoryRecord): string {
  if (record.status === 'skipped') {
    return `${record.name} was not uploaded by DriveUp: an identical file was already in ${record.folderPath}, and it stays there.`;
  }
  return `${record.name} is not in Drive (its upload ${record.status === 'failed' ? 'failed' : 'was cancelled'}), so there is nothing to move to the trash.`;
}

function driveWords(record: HistoryRecord, error: unknown): string {
  if (error instanceof DriveHttpError && error.status === 404) {
    return `${record.name} is no longer in Drive (deleted, or emptied from the trash).`;
  }
  return `${record.name} could not be moved to Drive's trash: ${classifyDriveError(error).message}`;
}
