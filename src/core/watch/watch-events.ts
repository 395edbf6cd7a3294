import type { WatchRuleState } from './watch-rules.ts';

export type WatchWarningCode =
  /** A subfolder could not be read; its files are skipped, the rest of the tree is not. */
  | 'unreadable'
  /** The OS limit on watches is reached; periodic rescans keep finding files meanwhile. */
  | 'watch-limit'
  /** The native watcher reported an error; a rescan follows. */
  | 'watcher-error'
  /** The queue did not accept files; they are offered again. */
  | 'enqueue-failed'
  /** Moving or deleting an uploaded file failed; the file was left where it is. */
  | 'after-upload-failed'
  /** A path was left out (a symbolic link, a FIFO, DriveUp's own files): said once per path. */
  | 'skipped';

/** Events the watch area emits on the agent's bus (name → payload). */
export interface WatchEvents {
  /** A rule changed state (watching, scanning, folder missing, error, paused), or was removed. */
  'watch.rule': { ruleId: string; state: WatchRuleState | 'removed'; reason: string | null };
  'watch.warning': { ruleId: string; code: WatchWarningCode; message: string; path?: string };
}

/** The part of the bus the watcher writes to: the agent's bus satisfies this. */
export interface WatchEventEmitter {
  emit<K extends keyof WatchEvents>(type: K, data: WatchEvents[K]): void;
}
