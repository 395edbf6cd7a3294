import AxeBuilder from '@axe-core/playwright';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openWindow, test, uploadAndWait } from './support/fixtures.ts';
import { dropFiles, writeFiles } from './support/page-actions.ts';
import { finishedBatch } from './support/review-batch.ts';

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

    test('Upload, Activity, Settings and Review, with content and a failure', async ({
      page,
      agent,
      fakeGoogle,
    }) => {
      await openWindow(page, agent, 'upload');
      await expect(page.getByText('Drop files or folders here')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      const files = [
        { name: 'ok.txt', content: 'fine' },
        { name: 'refused.txt', content: 'refused' },
      ];
      await writeFiles(agent.dropDir, files);
      fakeGoogle.addFault({
        path: '/upload/drive/v3/files',
        status: 403,
        reason: 'storageQuotaExceeded',
        message: 'full',
        times: 1,
      });
      await dropFiles(page, page.getByRole('region', { name: 'Drop files or folders here' }), [
        files[1]!,
      ]);
      await dropFiles(page, page.getByRole('region', { name: 'Drop files or folders here' }), [
        files[0]!,
      ]);
      const rows = page.getByRole('list', { name: 'Files to upload' }).getByRole('listitem');
      await expect(rows.filter({ hasText: 'Failed' })).toHaveCount(1);
      await expect(rows.filter({ hasText: 'Done' })).toHaveCount(1);
      expect(await seriousViolations(page)).toEqual([]);

      await openWindow(page, agent, 'activity');
      await expect(page.getByRole('list', { name: 'Needs attention' })).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Pause all uploads' }).click();
      await expect(page.getByRole('button', { name: 'Resume all uploads' })).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Resume all uploads' }).click();

      await openWindow(page, agent, 'settings');
      await page.getByLabel('Uploads at once').fill('99');
      await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('alert')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Add a folder…' }).click();
      await expect(page.getByRole('dialog', { name: 'Watch a folder' })).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);

      await openWindow(page, agent, 'review');
      await expect(page.getByText('Nothing to review.')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      const batch = await finishedBatch(
        agent,
        fakeGoogle,
        [
          { name: 'a.txt', content: 'a' },
          { name: 'b.txt', content: 'b' },
        ],
        'Batch',
      );
      await page.goto(`${agent.origin}/review?batch=${encodeURIComponent(batch.id)}`);
      await expect(page.getByRole('heading', { name: batch.summary })).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Move b.txt to Drive trash' }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
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
