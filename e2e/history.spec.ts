import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, uploadAndWait } from './support/fixtures.ts';

test.describe('History', () => {
  test('finds an uploaded file as you type, with its size, machine, time and link', async ({
    page,
    agent,
    home,
  }) => {
    const files = ['spectrum-0412.csv', 'notes.txt'].map((name) => join(home, name));
    await writeFile(files[0]!, 'wavelength,intensity\n400,0.12\n');
    await writeFile(files[1]!, 'nothing to see');
    await uploadAndWait(agent.api, files, 'Lab/2026');

    await agent.open(page, 'history');
    const search = page.getByRole('searchbox', { name: 'Search uploads', exact: true });
    await expect(search).toBeFocused();
    const results = page.getByRole('list', { name: 'Uploads found' });
    await expect(results.getByRole('listitem')).toHaveCount(2);

    await search.pressSequentially('spectr');
    await expect(results.getByRole('listitem')).toHaveCount(1);
    const row = results.getByRole('listitem').first();
    await expect(row).toContainText('spectrum-0412.csv');
    await expect(row).toContainText('Lab/2026');
    await expect(row).toContainText('30 B');
    await expect(row).toContainText('Today');
    const { machineName } = await agent.api.settings.get.query();
    await expect(row).toContainText(machineName);
    const [record] = (await agent.api.history.search.query({ text: 'spectrum' })).items;
    await expect(
      row.getByRole('link', { name: 'Open spectrum-0412.csv in Drive' }),
    ).toHaveAttribute('href', record!.webViewLink!);
    await expect(page.getByRole('contentinfo')).toContainText("Searched this machine's history");
    await expect(page.getByRole('contentinfo')).toContainText('Local history only');

    await search.fill('no-such-file');
    await expect(page.getByText('No uploads match.')).toBeVisible();
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    await expect(results.getByRole('listitem')).toHaveCount(2);
  });

  test('filters by status and shows what was recorded while the page was open', async ({
    page,
    agent,
    home,
  }) => {
    await agent.open(page, 'history');
    await expect(page.getByText('No uploads yet.')).toBeVisible();
    const file = join(home, 'late.txt');
    await writeFile(file, 'arrives later');
    await uploadAndWait(agent.api, [file], 'Inbox');
    const results = page.getByRole('list', { name: 'Uploads found' });
    await expect(results.getByRole('listitem')).toHaveCount(1);
    await page.getByLabel('Status').selectOption('failed');
    await expect(page.getByText('No uploads match.')).toBeVisible();
    await page.getByLabel('Status').selectOption('uploaded');
    await expect(results.getByRole('listitem')).toHaveCount(1);
  });

  test('Ctrl+F focuses the search, and the keyboard reaches every row', async ({
    page,
    agent,
    home,
  }) => {
    const files = await Promise.all(
      Array.from({ length: 3 }, async (_, i) => {
        const path = join(home, `row-${i}.txt`);
        await writeFile(path, `row ${i}`);
        return path;
      }),
    );
    await uploadAndWait(agent.api, files, 'Rows');
    await agent.open(page, 'history');
    const results = page.getByRole('list', { name: 'Uploads found' });
    await expect(results.getByRole('listitem')).toHaveCount(3);
    await results.getByRole('link').first().focus();
    await page.keyboard.press('ArrowDown');
    await expect(results.getByRole('listitem').nth(1).getByRole('link')).toBeFocused();
    await page.keyboard.press('End');
    await expect(results.getByRole('listitem').nth(2).getByRole('link')).toBeFocused();
    await page.keyboard.press('ControlOrMeta+f');
    await expect(
      page.getByRole('searchbox', { name: 'Search uploads', exact: true }),
    ).toBeFocused();
  });

  test('loads the next page as you scroll to the end', async ({ page, agent, home }) => {
    const files = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const path = join(home, `frame-${String(i).padStart(3, '0')}.png`);
        await writeFile(path, `frame ${i}`);
        return path;
      }),
    );
    await uploadAndWait(agent.api, files, 'Frames');
    await agent.open(page, 'history');
    const status = page.getByRole('contentinfo');
    await expect(status).toContainText('50+ uploads');
    const results = page.getByRole('list', { name: 'Uploads found' });
    // Only the rows in view exist; each says where it stands in the whole list.
    expect(await results.getByRole('listitem').count()).toBeLessThan(50);
    await expect(results.getByRole('listitem').first()).toHaveAttribute('aria-setsize', '50');
    await results.getByRole('link').first().focus();
    await page.keyboard.press('End');
    await expect(status).toContainText('64 uploads');
    await page.keyboard.press('End');
    await expect(results.getByRole('listitem').last()).toHaveAttribute('aria-posinset', '64');
    await expect(results.getByRole('listitem').last()).toContainText(/frame-\d{3}\.png/);
  });

  test("an upload moved to Drive's trash says so, as soon as it is", async ({
    page,
    agent,
    home,
  }) => {
    const file = join(home, 'sent-by-mistake.txt');
    await writeFile(file, 'oops');
    await uploadAndWait(agent.api, [file], 'Inbox');
    await agent.open(page, 'history');
    const row = page.getByRole('list', { name: 'Uploads found' }).getByRole('listitem');
    await expect(row).toContainText('sent-by-mistake.txt');
    await expect(row).not.toContainText("In Drive's trash");
    const [record] = (await agent.api.history.search.query({ text: 'mistake' })).items;
    await agent.api.history.trash.mutate({ id: record!.id });
    await expect(row).toContainText("In Drive's trash");
  });
});
