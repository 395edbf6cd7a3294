import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, openWindow, test } from './support/fixtures.ts';

/** A page on another origin of this machine (another port: same site, so cookies go along). */
async function startForeignSite(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

test.describe('web mode security', () => {
  test('without the cookie nothing is served, only how to get in', async ({
    page,
    agent,
    playwright,
  }) => {
    const answer = await page.goto(`${agent.origin}/history`);
    expect(answer?.status()).toBe(401);
    await expect(page.locator('body')).toContainText('run driveup open');
    expect((await page.goto(`${agent.origin}/history.js`))?.status()).toBe(401);
    const outsider = await playwright.request.newContext();
    const api = await outsider.post(`${agent.origin}/api/agent.version?batch=1`, {
      headers: { origin: agent.origin, 'content-type': 'application/json' },
      data: { 0: {} },
    });
    expect(api.status()).toBe(401);
    await outsider.dispose();
  });

  test('a sign-in address works once', async ({ page, browser, agent }) => {
    const url = await agent.openUrl('history');
    await page.goto(url);
    await expect(page).toHaveURL(`${agent.origin}/history`);
    expect(page.url()).not.toContain('token');
    await expect(
      page.getByRole('searchbox', { name: 'Search uploads', exact: true }),
    ).toBeVisible();

    const elsewhere = await browser.newContext();
    const second = await elsewhere.newPage();
    expect((await second.goto(url))?.status()).toBe(401);
    await expect(second.locator('body')).toContainText('already used or has expired');
    await elsewhere.close();
  });

  test('a name that resolves to this machine (DNS rebinding) gets nothing, and spends no link', async ({
    page,
    agent,
  }) => {
    const url = new URL(await agent.openUrl('history'));
    const rebound = `http://rebound.test:${agent.port}`;
    expect((await page.goto(`${rebound}${url.pathname}${url.search}`))?.status()).toBe(421);
    expect((await page.goto(`${rebound}/history`))?.status()).toBe(421);
    await page.goto(url.href);
    await expect(
      page.getByRole('searchbox', { name: 'Search uploads', exact: true }),
    ).toBeVisible();
  });

  test('a page of another origin in the same browser cannot call the agent or upload', async ({
    page,
    context,
    agent,
  }) => {
    await openWindow(page, agent, 'history');
    const { machineName } = await agent.api.settings.get.query();
    const foreign = await startForeignSite(
      '<!doctype html><title>Elsewhere</title><p>elsewhere</p>',
    );
    try {
      const evil = await context.newPage();
      await evil.goto(foreign.url);
      const outcome = await evil.evaluate(async (origin) => {
        const attempts: string[] = [];
        // Requests a page may send without asking (no preflight): they reach the server with
        // this browser's cookie, since another port of 127.0.0.1 is the same site. (Their
        // answers are opaque, and Cross-Origin-Resource-Policy makes the browser drop them.)
        const blind = (path: string, init: RequestInit) =>
          fetch(`${origin}${path}`, {
            ...init,
            method: 'POST',
            mode: 'no-cors',
            credentials: 'include',
          }).catch(() => undefined);
        await blind('/upload?name=evil.txt', { body: 'planted' });
        await blind('/api/settings.update', {
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ json: { machineName: 'pwned' } }),
        });
        try {
          const answer = await fetch(`${origin}/api/agent.status?batch=1`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json' },
            body: '{"0":{}}',
          });
          attempts.push(`read ${answer.status}`);
        } catch {
          attempts.push('read refused');
        }
        return attempts;
      }, agent.origin);
      expect(outcome).toEqual(['read refused']);
      expect((await agent.api.settings.get.query()).machineName).toBe(machineName);
      const names = async () => (await agent.api.queue.list.query({})).jobs.map((job) => job.name);
      expect(await names()).not.toContain('evil.txt');

      // The same upload from DriveUp's own page is taken: the Origin made the difference.
      const ours = await page.evaluate(async () => {
        const answer = await fetch('/upload?name=ours.txt&folder=Mine', {
          method: 'POST',
          body: 'mine',
        });
        return answer.status;
      });
      expect(ours).toBe(200);
      expect(await names()).toContain('ours.txt');
    } finally {
      await foreign.close();
    }
  });
});
