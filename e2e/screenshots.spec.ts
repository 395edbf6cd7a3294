// `npm run screenshots`: every window, light and dark, into docs/screenshots (shown in README).
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, nextEvent, openWindow, test, uploadAndWait } from './support/fixtures.ts';

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
  await agent.api.settings.update.mutate({ set: { machineName: 'lab-pc-07' } });
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
