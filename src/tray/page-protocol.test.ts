import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPageHandler, PAGE_CSP } from './page-protocol.ts';

let base: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'du-pages-'));
  const root = join(base, 'windows');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'activity.html'), '<!doctype html><title>Activity</title>');
  await writeFile(join(root, 'assets', 'activity.js'), 'console.log(1)');
  await writeFile(join(root, '.secret'), 'hidden');
  await writeFile(join(base, 'outside.txt'), 'not a page');
  await symlink(join(base, 'outside.txt'), join(root, 'assets', 'escape.js'));
  handler = createPageHandler(root, ['activity', 'history']);
});
afterAll(() => rm(base, { recursive: true, force: true }));

const get = (url: string) => handler(new Request(url));

describe('the app:// page handler', () => {
  it('serves a page by its name and its files, with the CSP and nosniff', async () => {
    const page = await get('app://driveup/activity?batch=b1');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Activity</title>');
    const script = await get('app://driveup/assets/activity.js');
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it.each([
    'app://driveup/history', // a page whose file was not built
    'app://driveup/../outside.txt',
    'app://driveup/%2e%2e/outside.txt',
    'app://driveup/assets/..%2f..%2foutside.txt',
    'app://driveup/.secret',
    'app://driveup/assets/escape.js', // a symlink out of the root
    'app://driveup/',
    'app://elsewhere/activity',
    'app://driveup/activity%00.html',
  ])('answers 404 to %s', async (url) => {
    const answer = await get(url);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-security-policy')).toBe(PAGE_CSP);
  });

  it('allows scripts from the app only, and no connections, frames or plugins', () => {
    expect(PAGE_CSP).toContain("default-src 'none'");
    expect(PAGE_CSP).toContain("script-src 'self'");
    expect(PAGE_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(PAGE_CSP).toContain("connect-src 'none'");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(PAGE_CSP).toContain("object-src 'none'");
  });
});
