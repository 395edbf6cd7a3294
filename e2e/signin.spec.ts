import { expect, openWindow, test } from './support/fixtures.ts';

test.describe('Sign-in', () => {
  test('sets up the OAuth client, signs in through Google in a new tab, follows it live, signs out', async ({
    page,
    context,
    startAgent,
  }) => {
    // No OAuth client configured: what a fresh install looks like.
    const agent = await startAgent({
      env: { DRIVEUP_GOOGLE_CLIENT_ID: '', DRIVEUP_GOOGLE_CLIENT_SECRET: '' },
    });
    await openWindow(page, agent, 'signin');
    await expect(page.getByRole('heading', { name: 'Set up a Google OAuth client' })).toBeVisible();
    await expect(page.getByText('Not signed in.')).toBeVisible();
    const signIn = page.getByRole('button', { name: 'Sign in with Google', exact: true });
    await expect(signIn).toBeDisabled();

    await page.getByRole('button', { name: 'Save client' }).click();
    await expect(page.getByText('Enter the client ID Google showed you.')).toBeVisible();
    await page.getByLabel('Client ID').fill('fake-client-id');
    await page.getByLabel('Client secret').fill('fake-client-secret');
    await page.getByRole('button', { name: 'Save client' }).click();
    await expect(
      page.getByRole('heading', { name: 'Google OAuth client', exact: true }),
    ).toBeVisible();
    const { google } = await agent.api.settings.get.query();
    expect(google).toMatchObject({
      clientId: 'fake-client-id',
      clientSecret: 'fake-client-secret',
    });

    const consentTab = context.waitForEvent('page');
    await signIn.click();
    const tab = await consentTab;
    // The fake's consent page grants at once and hands the browser back to DriveUp's listener.
    await tab.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\//);
    await expect(tab.locator('body')).toContainText(/signed in/i);
    await expect(page.getByText('Signed in as')).toContainText('Fake User');
    await expect(page.getByText('fake.user@example.com')).toBeVisible();
    expect((await agent.api.auth.status.query()).state).toBe('signed-in');

    await page.getByRole('button', { name: 'Sign out…' }).click();
    await page
      .getByRole('group', { name: 'Confirm sign-out' })
      .getByRole('button', { name: 'Sign out' })
      .click();
    await expect(page.getByText('Not signed in.')).toBeVisible();
    expect((await agent.api.auth.status.query()).state).toBe('signed-out');
  });

  test('shows a refused consent and lets you try again', async ({
    page,
    context,
    startAgent,
    fakeGoogle,
  }) => {
    const agent = await startAgent();
    await openWindow(page, agent, 'signin');
    fakeGoogle.setConsent('deny');
    try {
      const consentTab = context.waitForEvent('page');
      await page.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
      await (await consentTab).waitForURL(/^http:\/\/127\.0\.0\.1:\d+\//);
      await expect(page.getByText('Not signed in.')).toBeVisible();
      await expect(page.getByRole('alert')).toHaveText(/The sign-in did not complete/);
      await expect(
        page.getByRole('button', { name: 'Sign in with Google', exact: true }),
      ).toBeEnabled();
    } finally {
      fakeGoogle.setConsent('grant');
    }
  });
});
