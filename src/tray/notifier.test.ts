import { describe, expect, it } from 'vitest';
import type { NotificationBatch } from '../core/notifications/notification-batch.ts';
import { notificationView } from './notifier.ts';

function batch(states: Array<'done' | 'failed'>): NotificationBatch {
  return {
    id: 'b',
    startedAt: new Date(),
    endedAt: new Date(),
    summary: 'summary',
    jobs: states.map((state, i) => ({
      jobId: `j${i}`,
      name: `f${i}`,
      folder: 'X',
      state,
      error: state === 'failed' ? 'Drive storage is full' : null,
      webViewLink: state === 'done' ? `https://drive.google.com/file/d/${i}` : null,
    })),
  };
}

describe('notificationView', () => {
  it('offers Retry for failures and Open in Drive for one uploaded file where the OS has buttons', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      expect(notificationView(batch(['done', 'failed']), platform, undefined).actions).toEqual([
        'retry',
      ]);
      expect(notificationView(batch(['done']), platform, undefined).actions).toEqual([
        'open-in-drive',
      ]);
      expect(notificationView(batch(['done', 'done']), platform, undefined).actions).toEqual([]);
    }
    const view = notificationView(batch(['failed']), 'win32', '/icon.ico');
    expect(view.options).toMatchObject({
      title: 'DriveUp: uploads need attention',
      body: 'summary',
      icon: '/icon.ico',
      actions: [{ type: 'button', text: 'Retry' }],
    });
  });

  it('has no buttons on Linux: the click opens Review', () => {
    expect(notificationView(batch(['failed']), 'linux', undefined).options.actions).toEqual([]);
  });
});
