import type { SignInFailure } from './sign-in-error.ts';
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

/**
 * How one sign-in attempt ended. `account` on a failure is who is signed in now (the account from
 * before the attempt, if any), so a face can say that nothing changed.
 */
export type SignInOutcome =
  | { kind: 'signed-in'; account: AccountSummary }
  | { kind: 'failed'; reason: SignInFailure; message: string; account: AccountSummary | null };

/** A sign-in attempt as faces see it: the address to open and until when it waits. */
export interface SignInAttemptView {
  attemptId: string;
  url: string;
  expiresAt: Date;
}

/**
 * The answer to "sign in": an attempt started, or nothing done because an account is signed in
 * and the caller did not ask to switch.
 */
export type SignInRequestResult =
  | ({ kind: 'started' } & SignInAttemptView)
  | { kind: 'already-signed-in'; account: AccountSummary };
