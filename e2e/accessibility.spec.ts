import AxeBuilder from '@axe-core/playwright';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openWindow, test, uploadAndWait } from './support/fixtures.ts';

/** Violations people would hit: axe's serious and critical ones. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`accessibility, ${colorScheme}`, () => {
    test.use({ colorScheme });

    test('History, with results and empty', async ({ page, agent, home }) => {
      await openWindow(page, agent, 'history');
      await expect(page.getByText('No uploads yet.')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);

      const file = join(home, 'report.pdf');
      await writeFile(file, '%PDF-1.4 sample');
      await uploadAndWait(agent.api, [file], 'Reports/2026');
      await expect(
        page.getByRole('list', { name: 'Uploads found' }).getByRole('listitem'),
      ).toHaveCount(1);
      expect(await seriousViolations(page)).toEqual([]);
    });

    test('Sign-in, signed in and not yet set up', async ({ page, agent, startAgent }) => {
      await openWindow(page, agent, 'signin');
      await expect(page.getByText('Signed in as')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);

      const fresh = await startAgent({
        home: join(agent.home, 'fresh'),
        env: { DRIVEUP_GOOGLE_CLIENT_ID: '', DRIVEUP_GOOGLE_CLIENT_SECRET: '' },
      });
      await openWindow(page, fresh, 'signin');
      await expect(
        page.getByRole('heading', { name: 'Set up a Google OAuth client' }),
      ).toBeVisible();
      await page.getByRole('button', { name: 'Save client' }).click();
      await expect(page.getByText('Enter the client ID Google showed you.')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
    });

    test('the banner while the agent is away', async ({ page, agent }) => {
      await openWindow(page, agent, 'history');
      await agent.stop();
      await expect(page.locator('.banner')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });
}
