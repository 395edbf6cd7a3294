import type { NotificationBatch } from './notification-batch.ts';

/** Events of the notification batcher (name → payload). */
export interface NotificationEvents {
  /** One batch window closed with something to say: what a notification shows. */
  'notifications.batch': { batch: NotificationBatch };
}
