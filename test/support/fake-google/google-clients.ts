import { OAuth2Client } from 'google-auth-library';
import { drive as driveClient, type drive_v3 } from '@googleapis/drive';
import type { FakeGoogle } from './index.ts';

/** Test wiring: Google's real client libraries pointed at the fake. */

export const REDIRECT_URI = 'http://127.0.0.1:53682/oauth2callback';

export function oauthClient(fake: FakeGoogle, clientSecret = 'fake-client-secret'): OAuth2Client {
  return new OAuth2Client({
    clientId: 'fake-client-id',
    clientSecret,
    redirectUri: REDIRECT_URI,
    endpoints: {
      oauth2AuthBaseUrl: `${fake.url}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${fake.url}/token`,
      oauth2RevokeUrl: `${fake.url}/revoke`,
      tokenInfoUrl: `${fake.url}/tokeninfo`,
    },
  });
}

/** An OAuth2Client holding fresh tokens, and a Drive client using it. */
export function signedInDrive(fake: FakeGoogle): { auth: OAuth2Client; drive: drive_v3.Drive } {
  const auth = oauthClient(fake);
  auth.setCredentials(fake.issueTokens());
  // Client-level rootUrl reaches metadata calls only; media calls need { rootUrl } per call (see index.ts).
  // @googleapis/drive pins its own google-auth-library (10.5.0) whose OAuth2Client type differs from the
  // top-level 10.9.1 one by private fields only; at run time it just calls auth.request().
  const drive = driveClient({
    version: 'v3',
    auth: auth as unknown as drive_v3.Options['auth'],
    rootUrl: `${fake.url}/`,
  });
  return { auth, drive };
}

/** Per-call options every media upload through googleapis needs. */
export function mediaOptions(fake: FakeGoogle): { rootUrl: string } {
  return { rootUrl: `${fake.url}/` };
}
