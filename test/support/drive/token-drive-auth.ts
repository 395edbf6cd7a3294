import { OAuth2Client } from 'google-auth-library';
import {
  googleEndpoints,
  type GoogleEndpoints,
} from '../../../src/core/config/google-endpoints.ts';
import type { DriveAuth } from '../../../src/core/drive/drive-auth.ts';

export interface OAuthTokens {
  access_token: string;
  refresh_token: string;
  /** Seconds from now, as the token endpoint says. */
  expires_in?: number;
}

/**
 * A DriveAuth from tokens already in hand (the fake Google server's, or a CLI's), without the
 * sign-in flow. `endpoints` is a GoogleEndpoints or the origin of a Google stand-in.
 */
export function createDriveAuthFromTokens(
  endpoints: GoogleEndpoints | string,
  clientId: string,
  clientSecret: string,
  tokens: OAuthTokens,
): DriveAuth & { oauthClient: OAuth2Client } {
  const resolved = typeof endpoints === 'string' ? googleEndpoints(endpoints) : endpoints;
  const oauthClient = new OAuth2Client({ clientId, clientSecret, endpoints: resolved.oauth });
  oauthClient.setCredentials({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    ...(tokens.expires_in !== undefined
      ? { expiry_date: Date.now() + tokens.expires_in * 1000 }
      : {}),
  });
  return { oauthClient, client: () => Promise.resolve(oauthClient) };
}
