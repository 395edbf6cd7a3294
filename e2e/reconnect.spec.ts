import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, openWindow, signInThroughApi, test, uploadAndWait } from './support/fixtures.ts';

test('the agent restarted under an open page: a banner, then back without a reload once driveup open is run again', async ({
  page,
  context,
  startAgent,
  home,
}) => {
  const first = await startAgent();
  await signInThroughApi(first.api);
  await openWindow(page, first, 'history');
  await expect(page.getByText('No uploads yet.')).toBeVisible();
  await page.evaluate(() => Object.assign(window, { sameDocument: true }));

  await first.stop();
  const banner = page.locator('.banner');
  await expect(banner).toHaveText("!DriveUp's agent is not reachable; reconnecting…");

  // Sessions live in the agent's memory: the restarted agent does not know this browser.
  const second = await startAgent({ port: first.port });
  await expect(banner).toContainText('no longer knows this browser. Run driveup open');

  // `driveup open` (here in another tab) signs this browser in again; the old page picks up.
  const file = join(home, 'after-restart.txt');
  await writeFile(file, 'uploaded while the page waited');
  await uploadAndWait(second.api, [file], 'Restarted');
  const other = await context.newPage();
  await other.goto(await second.openUrl('signin'));
  await expect(banner).toBeHidden();
  const results = page.getByRole('list', { name: 'Uploads found' });
  await expect(results.getByRole('listitem')).toHaveCount(1);
  await expect(results).toContainText('after-restart.txt');
  expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);
});

test('a check on the agent that never answers does not stop the page trying again', async ({
  page,
  startAgent,
}) => {
  const first = await startAgent();
  await signInThroughApi(first.api);
  await openWindow(page, first, 'history');
  await expect(page.getByText('No uploads yet.')).toBeVisible();

  // The page's first check after the agent went away is left unanswered, as a half-open
  // connection (a laptop that slept) leaves it; the ones after it are answered.
  let held = false;
  await page.route('**/session', async (route) => {
    if (held) return route.continue();
    held = true;
  });
  await first.stop();
  const banner = page.locator('.banner');
  await expect(banner).toHaveText("!DriveUp's agent is not reachable; reconnecting…");
  await startAgent({ port: first.port });
  await expect(banner).toContainText('no longer knows this browser. Run driveup open', {
    timeout: 15_000,
  });
});
