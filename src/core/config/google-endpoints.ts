/**
 * Every Google URL DriveUp uses, derived from one origin. With `DRIVEUP_GOOGLE_ENDPOINT` set, all of
 * them point at that origin (the fake Google server in tests and the demo), so nothing leaves the
 * machine.
 */
export interface GoogleEndpoints {
  /** For OAuth2Client's `endpoints` option. */
  oauth: {
    oauth2AuthBaseUrl: string;
    oauth2TokenUrl: string;
    oauth2RevokeUrl: string;
    tokenInfoUrl: string;
  };
  /** googleapis `rootUrl` (with trailing slash). Media uploads must pass it per call: the client-level option is ignored for them. */
  apiRoot: string;
}

export function googleEndpoints(endpoint?: string): GoogleEndpoints {
  if (!endpoint) {
    return {
      oauth: {
        oauth2AuthBaseUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
        oauth2TokenUrl: 'https://oauth2.googleapis.com/token',
        oauth2RevokeUrl: 'https://oauth2.googleapis.com/revoke',
        tokenInfoUrl: 'https://oauth2.googleapis.com/tokeninfo',
      },
      apiRoot: 'https://www.googleapis.com/',
    };
  }
  const origin = new URL(endpoint).origin;
  return {
    oauth: {
      oauth2AuthBaseUrl: `${origin}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${origin}/token`,
      oauth2RevokeUrl: `${origin}/revoke`,
      tokenInfoUrl: `${origin}/tokeninfo`,
    },
    apiRoot: `${origin}/`,
  };
}
