import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runDriveup } from '../test/support/driveup-process.ts';
import { startMongoStandin } from '../test/support/mongo-standin/index.ts';
import { expect, test } from './support/fixtures.ts';

test.describe('Settings', () => {
  test('a change is saved as typed and is what `driveup settings get` shows; a refused one says why, beside the field', async ({
    page,
    agent,
  }) => {
    await agent.open(page, 'settings');
    const concurrency = page.getByLabel('Uploads at once');
    await expect(concurrency).toHaveValue('3');
    await concurrency.fill('5');
    const uploads = page.getByRole('region', { name: 'Uploads' });
    await expect(uploads.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    const cli = await runDriveup(['settings', 'get', 'uploads.concurrency'], agent.env);
    expect(cli).toMatchObject({ code: 0, stdout: '5\n' });

    await concurrency.fill('40');
    const refusal = uploads.getByRole('alert');
    await expect(refusal).toHaveText('Too big: expected number to be <=16');
    await expect(concurrency).toHaveAttribute('aria-invalid', 'true');
    expect((await runDriveup(['settings', 'get', 'uploads.concurrency'], agent.env)).stdout).toBe(
      '5\n',
    );

    // A choice applies at once; every setting says what it means.
    await page
      .getByLabel('When a file of that name is already there')
      .selectOption('skip-identical');
    await expect
      .poll(async () => (await agent.api.settings.get.query()).uploads.conflictPolicy)
      .toBe('skip-identical');
    await expect(page.getByText('Uploads running at once.')).toBeVisible();
    // Values the environment sets say so.
    await expect(page.getByRole('region', { name: 'Google account' })).toContainText(
      'Set by DRIVEUP_GOOGLE_CLIENT_ID',
    );
  });

  test('a watched folder added here: the template is previewed, and a file written there is uploaded', async ({
    page,
    agent,
    mode,
  }) => {
    const folder = join(agent.home, 'instrument-out');
    await mkdir(folder);
    const { machineName } = await agent.api.settings.get.query();
    await agent.open(page, 'settings');
    await page.getByRole('button', { name: 'Add a folder…' }).click();
    const form = page.getByRole('dialog', { name: 'Watch a folder' });
    if (mode === 'bridge') {
      agent.answerPicker([folder]);
      await form.getByRole('button', { name: 'Choose…' }).click();
      await expect(form.getByLabel('Folder on this machine')).toHaveValue(folder);
    } else {
      await form.getByLabel('Folder on this machine').fill(folder);
    }
    const destination = form.getByLabel('Destination in Google Drive');
    await destination.fill('Lab/{month}');
    await expect(form.getByText('unknown placeholder {month}')).toBeVisible();
    await destination.fill('Lab/{machine}/{relativeDir}');
    await expect(
      form.getByText(`would go to My Drive › Lab › ${machineName} › plate-3`),
    ).toBeVisible();
    await form.getByLabel('Upload once unchanged for').fill('0.2');
    await form.getByRole('button', { name: 'Watch this folder' }).click();
    await expect(form).toBeHidden();

    const rule = page.getByRole('list', { name: 'Watched folders' }).getByRole('listitem');
    await expect(rule).toContainText(folder);
    await expect(rule).toContainText('Watching');
    await writeFile(join(folder, 'reading-001.csv'), 'time,value\n0,1\n');
    await expect(rule).toContainText('1 uploaded');
    const [record] = (await agent.api.history.search.query({ text: 'reading' })).items;
    expect(record).toMatchObject({ folderPath: `Lab/${machineName}`, source: 'watch' });

    await rule.getByRole('button', { name: `Pause watching ${folder}` }).click();
    await expect(rule).toContainText('Paused');
    await rule.getByRole('button', { name: `Stop watching ${folder}` }).click();
    const confirm = page.getByRole('dialog', { name: `Stop watching ${folder}?` });
    await expect(confirm).toContainText('Nothing is deleted');
    await confirm.getByRole('button', { name: 'Stop watching' }).click();
    await expect(page.getByText('No folder is watched.')).toBeVisible();
    expect(await agent.api.watch.list.query()).toEqual([]);
  });

  test('MongoDB: Test connection answers from a real round trip', async ({ page, agent }) => {
    const mongo = await startMongoStandin();
    try {
      await agent.open(page, 'settings');
      const uri = page.getByLabel('MongoDB connection string', { exact: true });
      await expect(uri).toHaveAttribute('type', 'password');
      await page.getByRole('button', { name: 'Show MongoDB connection string' }).click();
      await expect(uri).toHaveAttribute('type', 'text');
      const history = page.getByRole('region', { name: 'Shared history (MongoDB)' });

      await uri.fill('mongodb://');
      await expect(history.getByRole('alert')).toContainText(
        'not a usable MongoDB connection string',
      );
      await uri.fill(mongo.uri);
      await expect(history.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
      await history.getByRole('button', { name: 'Test connection' }).click();
      await expect(history.getByText(/^Connected: MongoDB answered in \d+ ms\.$/)).toBeVisible();
      expect(mongo.commandCount('ping')).toBeGreaterThan(0);
    } finally {
      await mongo.close();
    }
  });
});
