import type { Settings } from '../config/settings-schema.ts';

export type GoogleSettings = Settings['google'];

/**
 * What to do when no OAuth client is configured. Exported so the README quotes the very text users
 * see. Google requires every desktop program to bring its own "Desktop app" client.
 */
export const MISSING_CLIENT_CREDENTIALS_MESSAGE = `DriveUp has no Google OAuth client configured. Create one (once):
  1. Open https://console.cloud.google.com/ and pick or create a project.
  2. APIs & Services → Library: enable the "Google Drive API".
  3. APIs & Services → OAuth consent screen: configure it (External or Internal) and add yourself as a test user while the app is in testing.
  4. APIs & Services → Credentials → Create credentials → OAuth client ID → Application type "Desktop app" → Create.
  5. Give DriveUp the client ID and secret it shows, either as environment variables:
       DRIVEUP_GOOGLE_CLIENT_ID=… DRIVEUP_GOOGLE_CLIENT_SECRET=…
     or in the settings:
       driveup settings set google.clientId …
       driveup settings set google.clientSecret …`;

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export class MissingClientCredentialsError extends Error {
  constructor() {
    super(MISSING_CLIENT_CREDENTIALS_MESSAGE);
    this.name = 'MissingClientCredentialsError';
  }
}

/** Settings already carry the environment overrides (`applyEnvOverrides`). */
export function requireClientCredentials(google: GoogleSettings): ClientCredentials {
  if (!google.clientId || !google.clientSecret) throw new MissingClientCredentialsError();
  return { clientId: google.clientId, clientSecret: google.clientSecret };
}
