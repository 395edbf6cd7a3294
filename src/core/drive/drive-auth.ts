import type { OAuth2Client } from 'google-auth-library';

/**
 * How the Drive uploader gets credentials. The sign-in module implements it; tests build one from
 * the fake Google server's tokens. The client refreshes its access token by itself; a refused
 * refresh surfaces as a GaxiosError whose response body has `error: 'invalid_grant'`.
 */
export interface DriveAuth {
  /** An authorised client; throws `UploadError('auth', …)` when nobody is signed in. */
  client(): Promise<OAuth2Client>;
}
