import type * as Electron from 'electron';
import type { NotificationBatch } from '../core/notifications/notification-batch.ts';
import type { ElectronMainApi, NotificationApi } from './electron-api.ts';
import { isSafeExternalUrl } from './web-contents-guard.ts';

export type NotificationAction = 'retry' | 'open-in-drive';

export interface NotificationView {
  options: Electron.NotificationConstructorOptions;
  /** What each action button does, by the button's index. */
  actions: NotificationAction[];
}

/**
 * A batch as a notification: its one sentence, and where the OS offers buttons (macOS,
 * Windows), "Retry" for failures and "Open in Drive" for a single uploaded file. On Linux the
 * click alone opens Review.
 */
export function notificationView(
  batch: NotificationBatch,
  platform: NodeJS.Platform,
  icon: string | undefined,
): NotificationView {
  const failed = batch.jobs.filter((job) => job.state === 'failed');
  const done = batch.jobs.filter((job) => job.state === 'done');
  const actions: NotificationAction[] = [];
  if (platform === 'darwin' || platform === 'win32') {
    if (failed.length > 0) actions.push('retry');
    if (done.length === 1 && failed.length === 0 && done[0]?.webViewLink)
      actions.push('open-in-drive');
  }
  const options: Electron.NotificationConstructorOptions = {
    title: failed.length > 0 ? 'DriveUp: uploads need attention' : 'DriveUp',
    body: batch.summary,
    actions: actions.map((action) => ({
      type: 'button',
      text: action === 'retry' ? 'Retry' : 'Open in Drive',
    })),
  };
  if (icon) options.icon = icon;
  return { options, actions };
}

export interface NotifierOptions {
  Notification: ElectronMainApi['Notification'];
  platform: NodeJS.Platform;
  icon: string | undefined;
  openReview: (batchId: string) => void;
  retry: (jobIds: string[]) => void;
  openExternal: (url: string) => void;
}

/** Shows batches and problems as notifications and acts on their clicks and buttons. */
export class Notifier {
  readonly #options: NotifierOptions;
  /**
   * Shown notifications are kept referenced: once collected, Electron forgets their click and
   * action handlers, so a click on one in the notification centre would do nothing.
   */
  readonly #live = new Set<NotificationApi>();

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  showBatch(batch: NotificationBatch): void {
    const { Notification, platform, icon } = this.#options;
    if (!Notification.isSupported()) return;
    const view = notificationView(batch, platform, icon);
    const notification = new Notification(view.options);
    notification.on('click', () => this.#options.openReview(batch.id));
    notification.on('action', (details) => {
      const action = view.actions[details.actionIndex];
      if (action === 'retry')
        this.#options.retry(batch.jobs.filter((j) => j.state === 'failed').map((j) => j.jobId));
      const link = batch.jobs.find((j) => j.state === 'done')?.webViewLink;
      if (action === 'open-in-drive' && link && isSafeExternalUrl(link))
        this.#options.openExternal(link);
    });
    this.#keep(notification);
    notification.show();
  }

  /** Something people must know that is not a batch (the agent keeps failing to start). */
  showProblem(title: string, body: string): void {
    const { Notification, icon } = this.#options;
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title, body, ...(icon ? { icon } : {}) });
    this.#keep(notification);
    notification.show();
  }

  #keep(notification: NotificationApi): void {
    this.#live.add(notification);
    // The newest fifty are plenty: older ones have left the notification centre.
    if (this.#live.size > 50) this.#live.delete(this.#live.values().next().value!);
  }
}
