import { GaxiosError } from 'gaxios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { oauthClient, REDIRECT_URI, signedInDrive } from './google-clients.ts';
import { startFakeGoogle, type FakeGoogle } from './index.ts';

const SCOPE = 'https://www.googleapis.com/auth/drive.file';

let fake: FakeGoogle;
beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

/** What the browser would do: open the consent URL, which redirects back to the loopback listener. */
async function consent(authUrl: string): Promise<URL> {
  const res = await fetch(authUrl, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

async function codeFlow(client = oauthClient(fake)) {
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const authUrl = client.generateAuthUrl({
    access_type: 'offline',
    scope: [SCOPE],
    state: 'state-123',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256' as never, // the enum type differs between library versions
  });
  const redirect = await consent(authUrl);
  return { client, codeVerifier, redirect };
}

function grantError(error: unknown): string | undefined {
  return error instanceof GaxiosError
    ? (error.response?.data as { error?: string } | undefined)?.error
    : undefined;
}

describe('OAuth code flow with PKCE (google-auth-library OAuth2Client)', () => {
  it('redirects with a code and state, and exchanges the code for tokens', async () => {
    const { client, codeVerifier, redirect } = await codeFlow();
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).toBe('state-123');
    const code = redirect.searchParams.get('code') ?? '';

    const { tokens } = await client.getToken({ code, codeVerifier });
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: SCOPE });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.expiry_date).toBeGreaterThan(Date.now());

    const info = await client.getTokenInfo(tokens.access_token ?? '');
    expect(info.scopes).toEqual([SCOPE]);
    expect(info.email).toBe('fake.user@example.com');
  });

  it('accepts a code once only', async () => {
    const { client, codeVerifier, redirect } = await codeFlow();
    const code = redirect.searchParams.get('code') ?? '';
    await client.getToken({ code, codeVerifier });
    const again = await client.getToken({ code, codeVerifier }).catch((e: unknown) => e);
    expect(grantError(again)).toBe('invalid_grant');
  });

  it('rejects a wrong PKCE verifier and a wrong client secret', async () => {
    const first = await codeFlow();
    const wrongVerifier = await first.client
      .getToken({
        code: first.redirect.searchParams.get('code') ?? '',
        codeVerifier: 'x'.repeat(64),
      })
      .catch((e: unknown) => e);
    expect(grantError(wrongVerifier)).toBe('invalid_grant');

    const second = await codeFlow(oauthClient(fake, 'wrong-secret'));
    const wrongSecret = await second.client
      .getToken({
        code: second.redirect.searchParams.get('code') ?? '',
        codeVerifier: second.codeVerifier,
      })
      .catch((e: unknown) => e);
    expect(grantError(wrongSecret)).toBe('invalid_client');
  });

  it('redirects with error=access_denied in deny mode', async () => {
    fake.setConsent('deny');
    const { redirect } = await codeFlow();
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('state-123');
    expect(redirect.searchParams.has('code')).toBe(false);
  });

  it('answers 400 to an unknown client or a non-loopback redirect', async () => {
    const base = `${fake.url}/o/oauth2/v2/auth?response_type=code&scope=${SCOPE}`;
    const unknownClient = await fetch(
      `${base}&client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      { redirect: 'manual' },
    );
    expect(unknownClient.status).toBe(400);
    const remote = await fetch(
      `${base}&client_id=fake-client-id&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
      { redirect: 'manual' },
    );
    expect(remote.status).toBe(400);
  });
});

describe('refresh and revocation', () => {
  it('refreshes without handing out a new refresh token', async () => {
    const client = oauthClient(fake);
    const issued = fake.issueTokens();
    client.setCredentials({ refresh_token: issued.refresh_token });
    const { credentials } = await client.refreshAccessToken();
    expect(credentials.access_token).toBeTruthy();
    expect(credentials.access_token).not.toBe(issued.access_token);
    // OAuth2Client copies the old refresh token back in; the raw answer has none.
    const raw = await fetch(`${fake.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: issued.refresh_token,
        client_id: 'fake-client-id',
        client_secret: 'fake-client-secret',
      }),
    });
    const body = (await raw.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('answers invalid_grant for a revoked refresh token, and 401 for its access tokens', async () => {
    const { auth, drive } = signedInDrive(fake);
    const refreshToken = auth.credentials.refresh_token ?? '';
    await auth.revokeToken(refreshToken);

    const fresh = oauthClient(fake);
    fresh.setCredentials({ refresh_token: refreshToken });
    const refresh = await fresh.refreshAccessToken().catch((e: unknown) => e);
    expect(grantError(refresh)).toBe('invalid_grant');
    expect((refresh as GaxiosError).response?.data).toEqual({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
    const raw = await fetch(`${fake.url}/drive/v3/about?fields=user`, {
      headers: { Authorization: `Bearer ${auth.credentials.access_token}` },
    });
    expect(raw.status).toBe(401);
    // OAuth2Client answers a 401 by refreshing, which now fails for good.
    const about = await drive.about.get({ fields: 'user' }).catch((e: unknown) => e);
    expect(grantError(about)).toBe('invalid_grant');
  });

  it('revokeAllRefreshTokens() ends every grant', async () => {
    const { auth } = signedInDrive(fake);
    fake.revokeAllRefreshTokens();
    const refresh = await auth.refreshAccessToken().catch((e: unknown) => e);
    expect(grantError(refresh)).toBe('invalid_grant');
  });

  it('expireAccessTokens() makes Drive answer 401, which OAuth2Client survives by refreshing', async () => {
    const { auth, drive } = signedInDrive(fake);
    const stale = auth.credentials.access_token;
    fake.expireAccessTokens();
    const raw = await fetch(`${fake.url}/drive/v3/about?fields=user`, {
      headers: { Authorization: `Bearer ${stale}` },
    });
    expect(raw.status).toBe(401);

    const about = await drive.about.get({ fields: 'user' });
    expect(about.data.user?.emailAddress).toBe('fake.user@example.com');
    expect(auth.credentials.access_token).not.toBe(stale);
    expect(fake.requestCount('POST /token')).toBe(1);
  });

  it('serves userinfo for a live access token', async () => {
    const { access_token } = fake.issueTokens();
    const res = await fetch(`${fake.url}/oauth2/v3/userinfo`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(await res.json()).toMatchObject({ email: 'fake.user@example.com', name: 'Fake User' });
  });
});
