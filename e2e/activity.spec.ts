import { expect, test } from './support/fixtures.ts';
import { bytes, driveState, writeFiles } from './support/page-actions.ts';

const KIB = 1024;

test.describe('Activity', () => {
  test('Pause all stops the bytes to Drive mid-upload; Resume finishes the file', async ({
    page,
    agent,
    fakeGoogle,
  }) => {
    // A resumable upload in small chunks: its bar moves as Drive confirms each one.
    const size = 5 * 1024 * KIB + 1;
    const [path] = await writeFiles(agent.dropDir, [
      { name: 'timelapse.mp4', content: bytes(size, 'frame') },
    ]);
    await agent.api.settings.update.mutate({ set: { uploads: { chunkSizeBytes: 256 * KIB } } });
    fakeGoogle.setBandwidth(512 * KIB);
    await agent.open(page, 'activity');
    await agent.api.queue.add.mutate({ paths: [path!], folder: 'Imaging', source: 'drop' });

    const list = page.getByRole('list', { name: 'Uploads' });
    const bar = list.getByRole('progressbar', { name: 'Uploading timelapse.mp4' });
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')))
      .toBeGreaterThan(0);
    await expect(page.getByRole('status').filter({ hasText: /^Uploading 1 of 1/ })).toBeVisible();

    await page.getByRole('button', { name: 'Pause all uploads', exact: true }).click();
    const resume = page.getByRole('button', { name: 'Resume all uploads', exact: true });
    await expect(resume).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Paused by you' })).toBeVisible();
    // Said once: the headline, not a tag beside it repeating it.
    const overview = page.getByRole('region', { name: 'Overall progress' });
    await expect(overview.getByText('Paused by you')).toHaveCount(1);
    const row = list.getByRole('listitem').filter({ hasText: 'timelapse.mp4' });
    await expect(row).toContainText('Waiting');
    await expect(row).toContainText('Paused by you');
    // What was on the wire has arrived; from then on the fake Drive receives nothing more.
    await expect.poll(() => fakeGoogle.activeUploads()).toBe(0);
    const atPause = (await driveState(fakeGoogle)).bytesReceived;
    expect(atPause).toBeLessThan(size);
    expect((await agent.api.agent.status.query()).queue.pauseKind).toBe('user');
    await expect(row).toContainText('Waiting');
    expect((await driveState(fakeGoogle)).bytesReceived).toBe(atPause);

    fakeGoogle.setBandwidth(null);
    await resume.click();
    await expect(
      page.getByRole('button', { name: 'Pause all uploads', exact: true }),
    ).toBeVisible();
    await expect(row).toContainText('Done');
    await expect(row.getByRole('link', { name: 'Open timelapse.mp4 in Drive' })).toBeVisible();
  });

  test('a file queued while the page was still connecting to the agent shows', async ({
    page,
    agent,
    mode,
  }) => {
    test.skip(mode === 'bridge', "Holds the page's event stream on its way, which only HTTP has");
    const [path] = await writeFiles(agent.dropDir, [{ name: 'early.tif', content: 'early' }]);
    // Paused, so after its queueing nothing more happens to the job that could bring it back.
    await agent.api.queue.pause.mutate({});
    // A busy machine: the page has read the (empty) queue, its live events are not there yet.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/api\/events\b/, async (route) => {
      await held;
      await route.continue();
    });
    await agent.open(page, 'activity');
    await expect(page.getByText('No uploads yet.')).toBeVisible();
    await agent.api.queue.add.mutate({ paths: [path!], folder: 'Early', source: 'drop' });

    release();
    const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem');
    await expect(row.filter({ hasText: 'early.tif' })).toContainText('Paused by you');
  });

  test('a Drive failure shows its reason and needs attention; Retry finishes it', async ({
    page,
    agent,
    fakeGoogle,
  }) => {
    const [path] = await writeFiles(agent.dropDir, [{ name: 'gel.png', content: 'gel image' }]);
    fakeGoogle.addFault({
      path: '/upload/drive/v3/files',
      status: 403,
      reason: 'storageQuotaExceeded',
      message: "The user's Drive storage quota has been exceeded.",
      times: 1,
    });
    await agent.open(page, 'activity');
    await agent.api.queue.add.mutate({ paths: [path!], folder: 'Gels', source: 'drop' });
    const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem');
    await expect(row).toContainText('Failed');
    await expect(row).toContainText('Your Google Drive is full: free space or buy storage');
    const attention = page.getByRole('list', { name: 'Needs attention' });
    await expect(attention).toContainText('1 upload failed');

    await row.getByRole('button', { name: 'Retry gel.png' }).click();
    await expect(row).toContainText('Done');
    await expect(attention).toBeHidden();
  });

  test('filters by state, finds by name, cancels one job', async ({ page, agent, fakeGoogle }) => {
    const paths = await writeFiles(agent.dropDir, [
      { name: 'alpha.txt', content: 'a' },
      { name: 'beta.txt', content: 'b' },
      { name: 'slow-gamma.bin', content: bytes(512 * KIB) },
    ]);
    await agent.open(page, 'activity');
    await agent.api.queue.add.mutate({ paths: paths.slice(0, 2), folder: 'Done', source: 'drop' });
    const list = page.getByRole('list', { name: 'Uploads' });
    await expect(list.getByRole('listitem').filter({ hasText: 'Done' })).toHaveCount(2);

    fakeGoogle.setBandwidth(16 * KIB);
    await agent.api.queue.add.mutate({ paths: [paths[2]!], folder: 'Slow', source: 'drop' });
    const slow = list.getByRole('listitem').filter({ hasText: 'slow-gamma.bin' });
    await expect(slow).toContainText('Uploading');
    await slow.getByRole('button', { name: 'Cancel slow-gamma.bin' }).click();
    await expect(slow).toContainText('Cancelled');

    await page.getByLabel('State').selectOption('done');
    await expect(list.getByRole('listitem')).toHaveCount(2);
    await page.getByRole('searchbox', { name: 'Find by name' }).fill('bet');
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(list.getByRole('listitem')).toContainText('beta.txt');
    await page.getByRole('searchbox', { name: 'Find by name' }).fill('gamma');
    await expect(page.getByText('No uploads match.')).toBeVisible();
    await page.getByRole('button', { name: 'Show all' }).click();
    await expect(list.getByRole('listitem')).toHaveCount(3);
  });

  test('Cancel all asks first, then stops every upload not finished', async ({ page, agent }) => {
    const paths = await writeFiles(agent.dropDir, [
      { name: 'one.raw', content: 'one' },
      { name: 'two.raw', content: 'two' },
      { name: 'three.raw', content: 'three' },
    ]);
    await agent.api.queue.pause.mutate({});
    await agent.open(page, 'activity');
    await agent.api.queue.add.mutate({ paths, folder: 'Mistake', source: 'drop' });
    const rows = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem');
    await expect(rows.filter({ hasText: 'Waiting' })).toHaveCount(3);

    const cancelAll = page.getByRole('button', { name: 'Cancel all…' });
    await cancelAll.click();
    const dialog = page.getByRole('dialog', { name: 'Cancel all 3 uploads not finished?' });
    await expect(dialog).toContainText('will not be uploaded');
    await dialog.getByRole('button', { name: 'Keep them' }).click();
    await expect(dialog).toBeHidden();
    await expect(rows.filter({ hasText: 'Waiting' })).toHaveCount(3);

    await cancelAll.click();
    await dialog.getByRole('button', { name: 'Cancel uploads' }).click();
    await expect(rows.filter({ hasText: 'Cancelled' })).toHaveCount(3);
    await expect(cancelAll).toBeHidden();
    const counts = (await agent.api.agent.status.query()).queue.counts;
    expect(counts).toMatchObject({ queued: 0, running: 0, retrying: 0, cancelled: 3 });
  });

  test('Cancel all, asked while the last upload finishes, closes: nothing is left to cancel', async ({
    page,
    agent,
  }) => {
    const [path] = await writeFiles(agent.dropDir, [{ name: 'last.raw', content: 'last' }]);
    await agent.api.queue.pause.mutate({});
    await agent.open(page, 'activity');
    await agent.api.queue.add.mutate({ paths: [path!], folder: 'Last', source: 'drop' });
    await page.getByRole('button', { name: 'Cancel all…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel the upload not finished?' });
    await expect(dialog).toBeVisible();

    await agent.api.queue.resume.mutate();

    const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem');
    await expect(row.filter({ hasText: 'last.raw' })).toContainText('Done');
    await expect(page.getByRole('dialog')).toBeHidden();
    await expect(page.getByRole('button', { name: 'Cancel all…' })).toBeHidden();
  });

  test('the desktop app: a window whose port closed connects again by itself and stays live', async ({
    page,
    agent,
    mode,
  }) => {
    test.skip(mode !== 'bridge', 'Web mode reconnects over HTTP (reconnect.spec.ts)');
    const paths = await writeFiles(agent.dropDir, [
      { name: 'before.txt', content: 'before' },
      { name: 'after.txt', content: 'after' },
    ]);
    await agent.open(page, 'activity');
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    await agent.api.queue.add.mutate({ paths: [paths[0]!], folder: 'Ports', source: 'drop' });
    const list = page.getByRole('list', { name: 'Uploads' });
    await expect(list.getByRole('listitem').filter({ hasText: 'before.txt' })).toContainText(
      'Done',
    );

    agent.dropPorts();
    await agent.api.queue.add.mutate({ paths: [paths[1]!], folder: 'Ports', source: 'drop' });
    // Missed while the port was down, or heard on the new one: either way it shows.
    await expect(list.getByRole('listitem').filter({ hasText: 'after.txt' })).toContainText('Done');
    await expect(page.locator('.banner')).toBeHidden();
    await page.getByRole('button', { name: 'Pause all uploads' }).click();
    await expect(page.getByRole('button', { name: 'Resume all uploads' })).toBeVisible();
    expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(
      true,
    );
  });
});
