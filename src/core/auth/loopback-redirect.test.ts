import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenForRedirect, type LoopbackRedirect } from './loopback-redirect.ts';
import { SignInError } from './sign-in-error.ts';

const STATE = 'expected-state-value';

function listen(
  overrides: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<LoopbackRedirect<string>> {
  return listenForRedirect<string>({
    state: STATE,
    timeoutMs: overrides.timeoutMs ?? 60_000,
    signal: overrides.signal,
    onCode: async (code) => ({ value: code, message: `Got <${code}>` }),
  });
}

function callback(redirectUri: string, params: Record<string, string>): Promise<Response> {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return fetch(url);
}

/** Resolves with the connection error code, or 'connected'. */
function tryConnect(redirectUri: string): Promise<string> {
  const { hostname, port } = new URL(redirectUri);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

async function rejection(promise: Promise<unknown>): Promise<SignInError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignInError);
  return error as SignInError;
}

describe('listenForRedirect', () => {
  it('listens on 127.0.0.1 only, on a port the OS picked', async () => {
    const redirect = await listen();
    const url = new URL(redirect.redirectUri);
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
    await callback(redirect.redirectUri, { state: STATE, code: 'c' });
    await redirect.result;
  });

  it('serves one redirect with a closing page, then refuses connections', async () => {
    const redirect = await listen();
    const page = await callback(redirect.redirectUri, { state: STATE, code: 'abc' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('You can close this tab');
    expect(html).toContain('Got &#60;abc&#62;');
    expect(await redirect.result).toBe('abc');
    expect(await tryConnect(redirect.redirectUri)).toBe('ECONNREFUSED');
  });

  it('ignores stray requests without using up the redirect', async () => {
    const redirect = await listen();
    const origin = new URL(redirect.redirectUri).origin;
    expect((await fetch(`${origin}/favicon.ico`)).status).toBe(404);
    expect((await fetch(`${origin}/`)).status).toBe(404);
    await callback(redirect.redirectUri, { state: STATE, code: 'still-good' });
    expect(await redirect.result).toBe('still-good');
  });

  it('answers a wrong state 400 and goes on waiting for its own answer', async () => {
    const redirect = await listen();
    // Any local user can reach the port: a forged answer must not end the attempt.
    const forged = await callback(redirect.redirectUri, { state: 'forged', code: 'abc' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toMatch(/did not match the sign-in under way.*still waiting/);
    const denied = await callback(redirect.redirectUri, {
      state: 'forged',
      error: 'access_denied',
    });
    expect(denied.status).toBe(400);
    const missing = await callback(redirect.redirectUri, { code: 'abc' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toMatch(/no state parameter/);
    expect(await tryConnect(redirect.redirectUri)).toBe('connected');
    const page = await callback(redirect.redirectUri, { state: STATE, code: 'the-real-code' });
    expect(page.status).toBe(200);
    expect(await redirect.result).toBe('the-real-code');
  });

  it('reports a refusal on the consent page', async () => {
    const redirect = await listen();
    const page = await callback(redirect.redirectUri, { state: STATE, error: 'access_denied' });
    expect(await page.text()).toMatch(/Access was declined/);
    const error = await rejection(redirect.result);
    expect(error.reason).toBe('denied');
  });

  it('escapes what came in on the URL when showing an error', async () => {
    const redirect = await listen();
    const page = await callback(redirect.redirectUri, {
      state: STATE,
      error: '<script>alert(1)</script>',
    });
    const html = await page.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    expect((await rejection(redirect.result)).reason).toBe('provider-error');
  });

  it('closes the listener when the time is up', async () => {
    const redirect = await listen({ timeoutMs: 1 });
    const error = await rejection(redirect.result);
    expect(error.reason).toBe('timeout');
    expect(await tryConnect(redirect.redirectUri)).toBe('ECONNREFUSED');
  });

  it('closes the listener on cancel, even with a browser connection left open', async () => {
    const controller = new AbortController();
    const redirect = await listen({ signal: controller.signal });
    const origin = new URL(redirect.redirectUri).origin;
    await fetch(`${origin}/favicon.ico`).then((r) => r.text());
    controller.abort();
    expect((await rejection(redirect.result)).reason).toBe('cancelled');
    expect(await tryConnect(redirect.redirectUri)).toBe('ECONNREFUSED');
  });
});
