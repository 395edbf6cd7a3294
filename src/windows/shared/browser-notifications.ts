import { signal } from '@preact/signals';
import { onAgentEvent, transport } from './agent-client.ts';

type Permission = NotificationPermission | 'unsupported';

/** Whether this browser shows DriveUp's notifications; 'unsupported' without the API. */
export const browserNotifications = signal<Permission>(
  typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
);

/**
 * Web mode: each batch the agent sums up (`notifications.batch`, which already honours
 * `notifications.enabled`) shows as this browser's notification once it is allowed, and a click
 * opens the batch's Review. In the desktop app main shows them, so the pages never do. Once per
 * page (mountPage).
 */
export function startBrowserNotifications(): void {
  if (transport !== 'http' || browserNotifications.value === 'unsupported') return;
  onAgentEvent((event) => {
    if (event.type !== 'notifications.batch' || Notification.permission !== 'granted') return;
    const { batch } = event.data as { batch: { id: string; summary: string } };
    // Every open page hears the batch: one tag per batch, so the browser shows it once.
    const shown = new Notification('DriveUp', {
      body: batch.summary,
      tag: `driveup-batch-${batch.id}`,
    });
    shown.onclick = () => {
      shown.close();
      window.focus();
      location.assign(`/review?batch=${encodeURIComponent(batch.id)}`);
    };
  });
}

/** Asks the browser (from a click: browsers ask people only then). */
export async function askForBrowserNotifications(): Promise<void> {
  browserNotifications.value = await Notification.requestPermission();
}
