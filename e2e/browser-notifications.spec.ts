import { expect, test } from './support/fixtures.ts';
import { finishedBatch } from './support/review-batch.ts';

test.describe('notifications in a browser (web mode)', () => {
  test('once allowed, a batch shows as the browser’s notification, and its click opens Review', async ({
    page,
    agent,
    fakeGoogle,
    mode,
  }) => {
    test.skip(mode !== 'web', 'in the desktop app main shows notifications, not the pages');
    await page.context().grantPermissions(['notifications']);
    // Headless Chromium shows nothing on a screen: each real notification is also noted here.
    await page.addInitScript(() => {
      const Real = window.Notification;
      const shown: Notification[] = [];
      (window as unknown as { shown: Notification[] }).shown = shown;
      window.Notification = class extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          shown.push(this);
        }
      } as typeof Notification;
    });
    await agent.open(page, 'settings');
    await expect(page.getByText('This browser shows them')).toBeVisible();

    const batch = await finishedBatch(
      agent,
      fakeGoogle,
      [
        { name: 'scan-1.tif', content: 'refused' },
        { name: 'scan-2.tif', content: 'fine' },
      ],
      'Scans',
    );
    const shown = () =>
      page.evaluate(() =>
        (window as unknown as { shown: Notification[] }).shown.map((n) => [n.title, n.body, n.tag]),
      );
    await expect.poll(shown).toEqual([['DriveUp', batch.summary, `driveup-batch-${batch.id}`]]);

    await page.evaluate(() => {
      const [first] = (window as unknown as { shown: Notification[] }).shown;
      first!.onclick!(new Event('click'));
    });
    await expect(page).toHaveURL(new RegExp(`/review\\?batch=${encodeURIComponent(batch.id)}$`));
    await expect(page.getByRole('heading', { name: batch.summary })).toBeVisible();
  });

  test('until allowed, Settings offers to show them', async ({ page, agent, mode }) => {
    test.skip(mode !== 'web', 'in the desktop app main shows notifications, not the pages');
    await agent.open(page, 'settings');
    await expect(
      page.getByRole('button', { name: 'Show notifications in this browser' }),
    ).toBeVisible();
  });
});
