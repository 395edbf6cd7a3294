import type { StorageQuota } from './drive-about.ts';

export interface AccountSummary {
  /** Drive's `permissionId`: stable for the Google account. */
  id: string;
  email: string;
  displayName: string;
}

export type AuthState =
  | { state: 'signed-out' }
  /** Waiting for the browser; `url` is for users whose browser did not open. */
  | { state: 'signing-in'; url: string }
  /** `storage` is null until Drive has been reached. */
  | { state: 'signed-in'; account: AccountSummary; storage: StorageQuota | null }
  /**
   * The stored sign-in no longer works; uploads wait until the user signs in again. `account` is
   * null when not even the account list could be read (e.g. a wrong DRIVEUP_SECRET_KEY).
   */
  | { state: 'needs-sign-in'; reason: string; account: AccountSummary | null };

export type AuthStatus = AuthState & {
  /** Things the user should know that do not stop anything (unencrypted tokens, no browser). */
  warnings: string[];
};
