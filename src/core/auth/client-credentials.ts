import type { Settings } from '../config/settings-schema.ts';

export type GoogleSettings = Settings['google'];

/**
 * Faces say how to make a client (the CLI with its commands and variables, the Sign-in window with
 * its form); the engine says only that there is none. Google requires every desktop program to
 * bring its own "Desktop app" client.
 */
export const MISSING_CLIENT_CREDENTIALS_MESSAGE =
  'DriveUp has no Google OAuth client configured (google.clientId and google.clientSecret)';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export class MissingClientCredentialsError extends Error {
  readonly kind = 'missing-client-credentials';
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
