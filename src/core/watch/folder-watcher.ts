import watcher from '@parcel/watcher';

export type WatcherBackend = 'inotify' | 'fs-events' | 'windows';

export interface FolderChange {
  /** Absolute path. */
  path: string;
  type: 'create' | 'update' | 'delete';
}

export type SubscribeFn = typeof watcher.subscribe;

export interface FolderWatcherOptions {
  folder: string;
  onChanges: (changes: FolderChange[]) => void;
  onError: (error: Error) => void;
  platform?: NodeJS.Platform;
  /** Replaceable so a test can make the OS refuse a watch (the inotify limit). */
  subscribe?: SubscribeFn;
}

export interface FolderWatch {
  close(): Promise<void>;
}

/**
 * Subscribes to the OS's change notifications for a folder tree. They are hints: they wake the
 * rule up early, and the journal scan remains the truth (the native watchers drop events).
 */
export async function watchFolder(options: FolderWatcherOptions): Promise<FolderWatch> {
  const subscribe = options.subscribe ?? watcher.subscribe;
  const subscription = await subscribe(
    options.folder,
    (error, events) => {
      if (error) options.onError(error);
      else if (events.length) options.onChanges(events);
    },
    { backend: nativeBackend(options.platform ?? process.platform) },
  );
  return { close: () => subscription.unsubscribe() };
}

/**
 * Named explicitly: left to choose, @parcel/watcher prefers Watchman whenever one is installed,
 * which is another daemon with its own limits and failure modes.
 */
export function nativeBackend(platform: NodeJS.Platform): WatcherBackend {
  if (platform === 'darwin') return 'fs-events';
  if (platform === 'win32') return 'windows';
  return 'inotify';
}

/** A person-readable explanation when the OS limit on watches is what failed, else null. */
export function watchLimitMessage(
  error: unknown,
  folder: string,
  rescanSeconds: number,
): string | null {
  const text = error instanceof Error ? error.message : String(error);
  const fallback = `New files in ${folder} are still found, by a rescan every ${rescanSeconds} s, instead of at once.`;
  if (/ENOSPC|No space left on device/i.test(text)) {
    return (
      `The system's limit on watched folders (fs.inotify.max_user_watches) is reached. ${fallback} ` +
      'To raise the limit: sudo sysctl fs.inotify.max_user_watches=524288 — and to keep it after a reboot: ' +
      'echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-driveup-inotify.conf'
    );
  }
  if (/EMFILE|Too many open files/i.test(text) && /inotify/i.test(text)) {
    return (
      `The system's limit on inotify instances (fs.inotify.max_user_instances) is reached. ${fallback} ` +
      'To raise the limit: sudo sysctl fs.inotify.max_user_instances=1024 — and to keep it after a reboot: ' +
      'echo fs.inotify.max_user_instances=1024 | sudo tee /etc/sysctl.d/60-driveup-inotify.conf'
    );
  }
  return null;
}
