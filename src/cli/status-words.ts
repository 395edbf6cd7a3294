import { pauseReason, type AuthWarningData, type PauseData } from '../ipc/common/status-words.ts';
import type { AuthStatus } from './api-views.ts';

/**
 * The CLI's words for what the API says as data: they name its commands and variables
 * (`driveup signin`, DRIVEUP_SECRET_KEY), which no other face has.
 */

const SIGN_IN = 'run `driveup signin`';

/** Why the queue holds, with the command that ends it where there is one. */
export function cliPauseReason(pause: PauseData): string {
  if (pause.kind !== 'auth') return pauseReason(pause);
  if (pause.cause === 'unreadable' && pause.detail) {
    return `Waiting for a Google account: ${pause.detail} (${SIGN_IN})`;
  }
  return `${pauseReason(pause)} (${SIGN_IN})`;
}

type NeedsSignIn = Extract<AuthStatus, { state: 'needs-sign-in' }>;

/** Why the stored sign-in no longer works, and what to do. */
export function needsSignInWords({ cause, detail }: Pick<NeedsSignIn, 'cause' | 'detail'>): string {
  switch (cause) {
    case 'refused':
      return `Google no longer accepts DriveUp's sign-in (${detail}): access was revoked, expired or the password changed. Sign in again (${SIGN_IN}); uploads resume afterwards`;
    case 'scope-missing':
      return `the google.scope setting is now "${detail}", which the current sign-in does not grant (${SIGN_IN} to allow it)`;
    case 'tokens-locked':
      return `the stored tokens are encrypted, but DRIVEUP_SECRET_KEY is not set: set it to the key they were written with, or sign in again (${SIGN_IN})`;
    case 'tokens-wrong-key':
      return `the stored tokens could not be decrypted: DRIVEUP_SECRET_KEY is not the key they were written with (or a file was altered). Set the right key, or sign in again (${SIGN_IN})`;
    case 'tokens-damaged':
      return `the stored tokens cannot be read (${detail}); sign in again to replace them (${SIGN_IN})`;
  }
}

export function authWarningWords(warning: AuthWarningData): string {
  switch (warning.kind) {
    case 'tokens-unprotected':
      return warning.protection === 'none'
        ? 'Google tokens are encrypted with a key anyone using this computer could find (no keyring). Set DRIVEUP_SECRET_KEY to a passphrase to encrypt them.'
        : `Google tokens are stored unencrypted in ${warning.where} (readable only by your user account). Set DRIVEUP_SECRET_KEY to a passphrase to encrypt them.`;
    case 'storage-unknown':
      return `Google Drive could not be reached to read storage use (${warning.detail}).`;
    case 'browser-not-opened':
      return `The browser could not be opened (${warning.detail}). Open the sign-in URL yourself: ${warning.url}`;
    case 'not-revoked':
      return `Google could not be reached to revoke DriveUp's access (${warning.detail}). To revoke it yourself, remove DriveUp at https://myaccount.google.com/permissions.`;
  }
}

/**
 * What the agent refused and how to fix it, for refusals the API marks with a kind
 * (`data.refusal.kind`); undefined for the rest, whose own message is said.
 */
export function refusalWords(kind: string): string | undefined {
  switch (kind) {
    case 'missing-client-credentials':
      return MISSING_CLIENT_CREDENTIALS;
    case 'web-off':
      return 'This agent runs without web mode. Start it with `driveup agent --web`, or run `driveup settings set web.enabled true` and restart the agent.';
    default:
      return undefined;
  }
}

/** What to do when no OAuth client is configured; the README quotes it. */
export const MISSING_CLIENT_CREDENTIALS = `DriveUp has no Google OAuth client configured. Create one (once):
  1. Open https://console.cloud.google.com/ and pick or create a project.
  2. APIs & Services → Library: enable the "Google Drive API".
  3. APIs & Services → OAuth consent screen: configure it (External or Internal) and add yourself as a test user while the app is in testing.
  4. APIs & Services → Credentials → Create credentials → OAuth client ID → Application type "Desktop app" → Create.
  5. Give DriveUp the client ID and secret it shows, either as environment variables:
       DRIVEUP_GOOGLE_CLIENT_ID=… DRIVEUP_GOOGLE_CLIENT_SECRET=…
     or in the settings:
       driveup settings set google.clientId …
       driveup settings set google.clientSecret …`;
