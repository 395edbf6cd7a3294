// `npm run screenshots`: every window, light and dark, into docs/screenshots (shown in README).
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, nextEvent, openWindow, test, uploadAndWait } from './support/fixtures.ts';
import { bytes, dropFiles, writeFiles } from './support/page-actions.ts';
import { finishedBatch } from './support/review-batch.ts';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

const FILES: Array<[string, number, string]> = [
  ['spectrum-0412.csv', 48_213, 'Lab/2026/Spectra'],
  ['plate-scan-017.tif', 24_602_112, 'Lab/2026/Scans'],
  ['plate-scan-018.tif', 24_598_016, 'Lab/2026/Scans'],
  ['run-42-summary.pdf', 1_204_551, 'Lab/2026/Reports'],
  ['calibration.json', 3_120, 'Lab/2026'],
  ['microscope-0001.png', 6_912_000, 'Lab/2026/Imaging'],
  ['meeting-notes.md', 9_870, 'Team/Notes'],
];

async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(OUT, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(OUT, `${name}-${colorScheme}.png`) });
  }
}

test.use({ viewport: { width: 800, height: 520 } });

test('screenshots of every window, light and dark', async ({
  page,
  agent,
  home,
  fakeGoogle,
  startAgent,
}) => {
  await agent.api.settings.update.mutate({
    set: { machineName: 'lab-pc-07', notifications: { batchSeconds: 1 } },
  });
  const paths: string[] = [];
  for (const [name, size, folder] of FILES) {
    const path = join(home, name);
    await writeFile(path, name);
    await truncate(path, size);
    await uploadAndWait(agent.api, [path], folder);
    paths.push(path);
  }
  // One upload Drive refuses, so History shows a failure and its reason.
  fakeGoogle.addFault({
    path: '/upload/drive/v3/files',
    status: 403,
    reason: 'storageQuotaExceeded',
    message: "The user's Drive storage quota has been exceeded.",
    times: 1,
  });
  const refused = join(home, 'timelapse-0930.mp4');
  await writeFile(refused, 'frames');
  const failed = nextEvent(agent.api, (e) => e.type === 'history.recorded');
  await failed.started;
  await agent.api.queue.add.mutate({ paths: [refused], folder: 'Lab/2026/Imaging' });
  await failed.event;

  await openWindow(page, agent, 'history');
  await expect(page.getByRole('list', { name: 'Uploads found' }).getByRole('listitem')).toHaveCount(
    FILES.length + 1,
  );
  await page.getByRole('searchbox', { name: 'Search uploads', exact: true }).blur();
  await shoot(page, 'history');

  await page
    .getByRole('searchbox', { name: 'Search uploads', exact: true })
    .fill('nothing like this');
  await expect(page.getByText('No uploads match.')).toBeVisible();
  await shoot(page, 'history-no-match');

  await openWindow(page, agent, 'signin');
  await expect(page.getByText('Signed in as')).toBeVisible();
  await shoot(page, 'signin');

  // Settings: a watched folder, and the form that adds one.
  const watched = join(home, 'microscope-out');
  await mkdir(watched);
  await agent.api.watch.add.mutate({
    folder: watched,
    destination: 'Lab/{machine}/{yyyy}-{mm}/{relativeDir}',
    include: ['*.tif', '*.png'],
  });
  await openWindow(page, agent, 'settings');
  await expect(page.getByRole('list', { name: 'Watched folders' })).toContainText('Watching');
  await shoot(page, 'settings');
  await page.getByRole('link', { name: 'Watched folders' }).click();
  await shoot(page, 'settings-watched-folders');
  await page.getByRole('button', { name: 'Add a folder…' }).click();
  const form = page.getByRole('dialog', { name: 'Watch a folder' });
  await form.getByLabel('Folder on this machine').fill('/data/plate-reader/export');
  await form.getByLabel('Destination in Google Drive').fill('Lab/{machine}/{relativeDir}');
  await expect(form.getByText('would go to My Drive › Lab › lab-pc-07 › plate-3')).toBeVisible();
  await shoot(page, 'settings-watch-folder');
  await page.keyboard.press('Escape');

  // Activity and Upload while files move: Drive takes the bytes slowly.
  const moving = [
    { name: 'stack-0001.tif', content: bytes(6 * 1024 * 1024, 'stack') },
    { name: 'stack-0002.tif', content: bytes(6 * 1024 * 1024, 'stack') },
    { name: 'stack-0003.tif', content: bytes(2 * 1024 * 1024, 'stack') },
    { name: 'stack-0004.tif', content: bytes(2 * 1024 * 1024, 'stack') },
  ];
  await writeFiles(agent.dropDir, moving);
  await agent.api.settings.update.mutate({
    set: { uploads: { chunkSizeBytes: 256 * 1024, concurrency: 2 } },
  });
  fakeGoogle.setBandwidth(256 * 1024);
  await page.setViewportSize({ width: 400, height: 500 });
  await openWindow(page, agent, 'upload');
  await shoot(page, 'upload-empty');
  await page.getByLabel('Destination in Google Drive').fill('Lab/2026/Stacks');
  await dropFiles(page, page.getByRole('region', { name: 'Drop files or folders here' }), moving);
  const bars = page.getByRole('list', { name: 'Files to upload' }).getByRole('progressbar');
  await expect
    .poll(async () => Number(await bars.first().getAttribute('aria-valuenow')))
    .toBeGreaterThan(10);
  await page.getByLabel('Destination in Google Drive').blur();
  await shoot(page, 'upload');

  await page.setViewportSize({ width: 800, height: 520 });
  await openWindow(page, agent, 'activity');
  const list = page.getByRole('list', { name: 'Uploads' });
  await expect(list.getByRole('progressbar').first()).toBeVisible();
  await expect(page.getByRole('list', { name: 'Needs attention' })).toBeVisible();
  await shoot(page, 'activity');
  fakeGoogle.setBandwidth(null);
  await expect(list.getByRole('progressbar')).toHaveCount(0);

  // Review: one batch as its notification summed it up.
  const batch = await finishedBatch(
    agent,
    fakeGoogle,
    [
      { name: 'well-A1.png', content: 'refused' },
      { name: 'well-A2.png', content: 'a2' },
      { name: 'well-A3.png', content: 'a3' },
      { name: 'well-A4.png', content: 'a4' },
    ],
    'Lab/2026/Imaging',
  );
  await page.goto(`${agent.origin}/review?batch=${encodeURIComponent(batch.id)}`);
  await expect(page.getByRole('heading', { name: batch.summary })).toBeVisible();
  await shoot(page, 'review');
  await page.getByRole('button', { name: 'Move well-A3.png to Drive trash' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await shoot(page, 'review-trash');
  await page.keyboard.press('Escape');

  const fresh = await startAgent({
    home: join(home, 'fresh'),
    env: { DRIVEUP_GOOGLE_CLIENT_ID: '', DRIVEUP_GOOGLE_CLIENT_SECRET: '' },
  });
  await openWindow(page, fresh, 'signin');
  await expect(page.getByRole('heading', { name: 'Set up a Google OAuth client' })).toBeVisible();
  await shoot(page, 'signin-setup');

  await fresh.stop();
  await expect(page.locator('.banner')).toBeVisible();
  await shoot(page, 'signin-agent-away');
});
