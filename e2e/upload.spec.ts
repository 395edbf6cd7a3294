import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { bytes, dropFiles, writeFiles } from './support/page-actions.ts';

const KIB = 1024;

test.describe('Upload', () => {
  test('two dropped files: progress, done with their links, then found in History', async ({
    page,
    agent,
    fakeGoogle,
  }) => {
    const files = [
      { name: 'plate-017.tif', content: bytes(600 * KIB, 'plate') },
      { name: 'run-42.csv', content: 'well,value\nA1,0.12\n' },
    ];
    await writeFiles(agent.dropDir, files);
    // Drive takes the bytes slowly until the bar has been seen moving.
    fakeGoogle.setBandwidth(64 * KIB);

    await agent.open(page, 'upload');
    await page.getByLabel('Destination in Google Drive').fill(' Lab / 2026 ');
    await expect(page.getByText('Goes to My Drive › Lab › 2026')).toBeVisible();
    await dropFiles(page, page.getByRole('region', { name: 'Drop files or folders here' }), files);

    const list = page.getByRole('list', { name: 'Files to upload' });
    const bar = list.getByRole('progressbar', { name: 'Uploading plate-017.tif' });
    await expect(bar).toBeVisible();
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')))
      .toBeGreaterThan(0);
    fakeGoogle.setBandwidth(null);

    for (const { name } of files) {
      const row = list.getByRole('listitem').filter({ hasText: name });
      await expect(row).toContainText('Done');
      await expect(row).toContainText('in Lab/2026');
      await expect(row.getByRole('link', { name: `Open ${name} in Drive` })).toHaveAttribute(
        'href',
        /^http/,
      );
    }
    await expect(page.getByRole('contentinfo')).toContainText('2 of 2 done');

    await agent.open(page, 'history');
    const found = page.getByRole('list', { name: 'Uploads found' });
    await expect(found.getByRole('listitem')).toHaveCount(2);
    await expect(found).toContainText('plate-017.tif');
    await expect(found).toContainText('run-42.csv');
    await expect(found.getByRole('listitem').first()).toContainText('Lab/2026');
  });

  test('a browser shows each file going to DriveUp before it is queued', async ({
    page,
    agent,
    mode,
  }) => {
    test.skip(mode !== 'web', 'The desktop app sends paths, not bytes');
    const files = [{ name: 'stack-0001.tif', content: bytes(512 * KIB, 'stack') }];
    await agent.open(page, 'upload');
    // The browser's own upload, slowed down (Chromium's network emulation), so it can be watched.
    const cdp = await page.context().newCDPSession(page);
    const throttle = (uploadThroughput: number) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput,
      });
    await throttle(64 * KIB);
    await dropFiles(page, page.getByRole('region', { name: 'Drop files or folders here' }), files);
    const row = page.getByRole('list', { name: 'Files to upload' }).getByRole('listitem');
    await expect(row).toContainText('Sending to DriveUp');
    const bar = row.getByRole('progressbar', { name: 'Sending stack-0001.tif' });
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')))
      .toBeGreaterThan(0);
    await throttle(-1);
    await expect(row).toContainText('Done');
    const [record] = (await agent.api.history.search.query({ text: 'stack' })).items;
    expect(record?.size).toBe(512 * KIB);
  });

  test('Choose files uploads what was chosen, to the default folder', async ({ page, agent }) => {
    const [path] = await writeFiles(agent.dropDir, [{ name: 'notes.md', content: '# Notes' }]);
    await agent.open(page, 'upload');
    await expect(page.getByText('Goes to My Drive › DriveUp (the default)')).toBeVisible();
    await page.getByLabel('Choose files', { exact: true }).setInputFiles(path!);
    const row = page.getByRole('list', { name: 'Files to upload' }).getByRole('listitem');
    await expect(row).toContainText('Done');
    const [record] = (await agent.api.history.search.query({ text: 'notes' })).items;
    expect(record).toMatchObject({ name: 'notes.md', folderPath: 'DriveUp', status: 'uploaded' });
  });

  test('a refusal from Drive shows its reason; Retry uploads it', async ({
    page,
    agent,
    fakeGoogle,
  }) => {
    const files = [{ name: 'scan-003.png', content: 'png bytes' }];
    await writeFiles(agent.dropDir, files);
    fakeGoogle.addFault({
      path: '/upload/drive/v3/files',
      status: 403,
      reason: 'storageQuotaExceeded',
      message: "The user's Drive storage quota has been exceeded.",
      times: 1,
    });
    await agent.open(page, 'upload');
    await dropFiles(page, page.getByRole('region', { name: 'Drop files or folders here' }), files);
    const row = page.getByRole('list', { name: 'Files to upload' }).getByRole('listitem');
    await expect(row).toContainText('Failed');
    await expect(row).toContainText('Your Google Drive is full: free space or buy storage');
    await row.getByRole('button', { name: 'Retry scan-003.png' }).click();
    await expect(row).toContainText('Done');
    await expect(row.getByRole('link', { name: 'Open scan-003.png in Drive' })).toBeVisible();
  });

  test('a folder: its tree keeps its shape in Drive, and what was left out says why', async ({
    page,
    agent,
    mode,
  }) => {
    const folder = join(agent.dropDir, 'run-7');
    await mkdir(join(folder, 'raw'), { recursive: true });
    await writeFiles(folder, [
      { name: 'summary.txt', content: 'ok' },
      { name: '.lab-notes', content: 'private' },
    ]);
    await writeFiles(join(folder, 'raw'), [{ name: 'frame-1.dat', content: 'frame' }]);
    await agent.open(page, 'upload');
    await page.getByLabel('Destination in Google Drive').fill('Runs');
    if (mode === 'bridge') {
      agent.answerPicker([folder]);
      await page.getByRole('button', { name: 'Choose folder' }).click();
    } else {
      await page.locator('input[webkitdirectory]').setInputFiles(folder);
    }
    const list = page.getByRole('list', { name: 'Files to upload' });
    await expect(list.getByRole('listitem')).toHaveCount(2);
    await expect(list.getByRole('listitem').filter({ hasText: 'frame-1.dat' })).toContainText(
      'in Runs/run-7/raw',
    );
    await expect(list.getByRole('listitem').filter({ hasText: 'summary.txt' })).toContainText(
      'in Runs/run-7',
    );
    await page.getByText('Left out: 1 item').click();
    await expect(page.getByRole('list', { name: 'Left out' })).toContainText(
      'run-7/.lab-notes is hidden (its name starts with a dot)',
    );
  });

  test('the desktop app: a file already in Drive is said so, not sent again', async ({
    page,
    agent,
    mode,
  }) => {
    test.skip(
      mode !== 'bridge',
      'Browser uploads are new copies of the bytes, never the same file',
    );
    const files = [{ name: 'calibration.json', content: '{"gain": 2}' }];
    const [path] = await writeFiles(agent.dropDir, files);
    await agent.api.queue.add.mutate({ paths: [path!], folder: 'DriveUp', source: 'drop' });
    await expect.poll(async () => (await agent.api.history.search.query({})).items.length).toBe(1);
    await agent.open(page, 'upload');
    await dropFiles(page, page.getByRole('region', { name: 'Drop files or folders here' }), files);
    const row = page.getByRole('list', { name: 'Files to upload' }).getByRole('listitem');
    await expect(row).toContainText('Already in Drive');
    expect((await agent.api.history.search.query({})).items).toHaveLength(1);
  });
});
