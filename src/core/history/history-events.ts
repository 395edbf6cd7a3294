import type { HistoryStatus } from './history-record.ts';
import type { HistorySyncStatus } from './outbox-worker.ts';

/** Events the history area emits on the agent's bus (name → payload). */
export interface HistoryEvents {
  /** A finished job's record was committed to the local history. */
  'history.recorded': { id: string; name: string; status: HistoryStatus; finishedAt: Date };
  /** The MongoDB sync changed state or its waiting count moved. */
  'history.sync': HistorySyncStatus;
  /** Records were removed locally (and, when MongoDB is configured, queued for removal there). */
  'history.cleared': { removed: number; before: Date | null };
  /** An upload was moved to Drive's trash from DriveUp; its record now says since when. */
  'history.trashed': { id: string; name: string; trashedAt: Date };
}
