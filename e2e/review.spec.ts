import { expect, test } from './support/fixtures.ts';
import { finishedBatch } from './support/review-batch.ts';

test.describe('Review', () => {
  test('without a batch it says where uploads are', async ({ page, agent }) => {
    await agent.open(page, 'review');
    await expect(page.getByText('Nothing to review.')).toBeVisible();
  });

  test('one batch as its notification said it: retry the failed, copy a link, move one to Drive trash', async ({
    page,
    agent,
    fakeGoogle,
    mode,
  }) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const batch = await finishedBatch(
      agent,
      fakeGoogle,
      [
        { name: 'plate-1.tif', content: 'one' },
        { name: 'plate-2.tif', content: 'two by mistake' },
        { name: 'plate-3.tif', content: 'three' },
      ],
      'Plates',
    );

    await agent.open(page, 'review', `?batch=${encodeURIComponent(batch.id)}`);
    await expect(page.getByRole('heading', { name: batch.summary })).toBeVisible();
    const rows = page.getByRole('list', { name: 'Uploads in this batch' }).getByRole('listitem');
    const failed = rows.filter({ hasText: 'Failed' });
    await expect(failed).toHaveCount(1);
    await page.getByRole('button', { name: /^Retry failed \(1\)$/ }).click();
    await expect(rows.filter({ hasText: 'Failed' })).toHaveCount(0);
    await expect(rows.filter({ hasText: 'Uploaded' })).toHaveCount(3);

    const mistaken = rows.filter({ hasText: 'plate-2.tif' });
    await mistaken.getByRole('button', { name: 'Copy link to plate-2.tif' }).click();
    // By name: the search's last word is a prefix, and "2" can begin a word of any file's path.
    const { items } = await agent.api.history.search.query({ text: 'plate-2' });
    const record = items.find((item) => item.name === 'plate-2.tif')!;
    if (mode === 'web') {
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(record.webViewLink);
    }

    await mistaken.getByRole('button', { name: 'Move plate-2.tif to Drive trash' }).click();
    const confirm = page.getByRole('dialog', { name: "Move plate-2.tif to Drive's trash?" });
    await expect(confirm).toContainText('restore it for 30 days');
    await confirm.getByRole('button', { name: 'Move to Drive trash' }).click();
    await expect(mistaken).toContainText("In Drive's trash");
    expect(fakeGoogle.files().find((file) => file.id === record.driveFileId)?.trashed).toBe(true);
    expect((await agent.api.history.get.query({ id: record.id })).trashedAt).toBeInstanceOf(Date);
    for (const other of ['plate-1.tif', 'plate-3.tif']) {
      const file = fakeGoogle.files().find((f) => f.name === other);
      expect(file?.trashed).toBe(false);
    }
  });

  test('an answer read before an upload finished does not undo what its event said', async ({
    page,
    agent,
    fakeGoogle,
    mode,
  }) => {
    test.skip(mode !== 'web', 'Holds an answer in flight over HTTP; the bridge has no requests');
    const batch = await finishedBatch(
      agent,
      fakeGoogle,
      [{ name: 'late.tif', content: 'refused at first' }],
      'Late',
    );
    const [failed] = (await agent.api.queue.list.query({ states: ['failed'] })).jobs;
    // The window's first read of the job is answered "failed" by the agent and held back until
    // the retried upload has finished and its events have been shown.
    const read = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    let reads = 0;
    await page.route(
      (url) => url.pathname.startsWith('/api/') && url.pathname.includes('queue.get'),
      async (route) => {
        if (reads++ > 0) return route.continue();
        const response = await route.fetch();
        read.resolve();
        await release.promise;
        await route.fulfill({ response });
      },
    );
    // Its event stream open, the retry's events reach it.
    const listening = page.waitForResponse(
      (r) => r.url().includes('/api/events') && r.frame().url().includes('batch='),
    );
    await agent.open(page, 'review', `?batch=${encodeURIComponent(batch.id)}`);
    await read.promise;
    await listening;

    await agent.api.queue.retry.mutate({ id: failed!.id });
    const row = page.getByRole('list', { name: 'Uploads in this batch' }).getByRole('listitem');
    await expect(row).toContainText('Uploaded');
    const answered = page.waitForEvent('requestfinished', (r) => r.url().includes('queue.get'));
    release.resolve();
    await answered;
    // The answer read, then a frame drawn from what it changed.
    for (let frame = 0; frame < 2; frame++) {
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    }

    await expect(row).toContainText('Uploaded');
    await expect(row).not.toContainText('Failed');
  });
});
